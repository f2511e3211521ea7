// A real gRPC-Web client (protobuf-ts's GrpcWebFetchTransport) calling the emulated dish's
// SpaceX.API.Device.Device/Handle. The few messages it needs are declared at run time with the dish's own
// names and field numbers (no code generation). Usage: node client.mjs BASE_URL binary|text REQUEST...
// REQUEST: get_status | get_device_info | dish_get_config | get_location | wifi_get_clients. Prints one JSON line
// per request: {"request", "response"} (protobuf JSON, json_name keys) or {"request", "code", "message"}.
import { GrpcWebFetchTransport } from "@protobuf-ts/grpcweb-transport";
import { MessageType, ScalarType, LongType } from "@protobuf-ts/runtime";
import { ServiceType, RpcError } from "@protobuf-ts/runtime-rpc";

const Empty = (name) => new MessageType(`SpaceX.API.Device.${name}`, []);
const DeviceInfo = new MessageType("SpaceX.API.Device.DeviceInfo", [
  { no: 1, name: "id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "hardware_version", kind: "scalar", T: ScalarType.STRING },
  { no: 3, name: "software_version", kind: "scalar", T: ScalarType.STRING },
]);
const DeviceState = new MessageType("SpaceX.API.Device.DeviceState", [
  { no: 1, name: "uptime_s", kind: "scalar", T: ScalarType.UINT64, L: LongType.NUMBER },
]);
const DishGetStatusResponse = new MessageType("SpaceX.API.Device.DishGetStatusResponse", [
  { no: 1, name: "device_info", kind: "message", T: () => DeviceInfo },
  { no: 2, name: "device_state", kind: "message", T: () => DeviceState },
  { no: 1009, name: "pop_ping_latency_ms", kind: "scalar", T: ScalarType.FLOAT },
  { no: 1024, name: "disablement_code", kind: "scalar", T: ScalarType.INT32 },
]);
const DishConfig = new MessageType("SpaceX.API.Device.DishConfig", [
  { no: 2, name: "location_request_mode", kind: "scalar", T: ScalarType.INT32 },
  { no: 6, name: "power_save_mode", kind: "scalar", T: ScalarType.BOOL },
]);
const DishGetConfigResponse = new MessageType("SpaceX.API.Device.DishGetConfigResponse", [
  { no: 1, name: "dish_config", kind: "message", T: () => DishConfig },
]);
const GetDeviceInfoResponse = new MessageType("SpaceX.API.Device.GetDeviceInfoResponse", [
  { no: 1, name: "device_info", kind: "message", T: () => DeviceInfo },
]);
const REQUESTS = { get_status: 1004, get_device_info: 1008, get_location: 1017, dish_get_config: 2011,
                   wifi_get_clients: 3002 };
const Request = new MessageType("SpaceX.API.Device.Request", [
  { no: 1, name: "id", kind: "scalar", T: ScalarType.UINT64, L: LongType.NUMBER },
  ...Object.entries(REQUESTS).map(([name, no]) => ({ no, name, kind: "message", oneof: "request",
                                                     T: () => Empty(name) })),
]);
const Response = new MessageType("SpaceX.API.Device.Response", [
  { no: 1, name: "id", kind: "scalar", T: ScalarType.UINT64, L: LongType.NUMBER },
  { no: 3, name: "api_version", kind: "scalar", T: ScalarType.UINT64, L: LongType.NUMBER },
  { no: 1004, name: "get_device_info", kind: "message", oneof: "response", T: () => GetDeviceInfoResponse },
  { no: 2004, name: "dish_get_status", kind: "message", oneof: "response", T: () => DishGetStatusResponse },
  { no: 2011, name: "dish_get_config", kind: "message", oneof: "response", T: () => DishGetConfigResponse },
]);
const Device = new ServiceType("SpaceX.API.Device.Device", [
  { name: "Handle", options: {}, I: Request, O: Response },
]);

const [baseUrl, format, ...names] = process.argv.slice(2);
const transport = new GrpcWebFetchTransport({ baseUrl, format });
let id = 1;
for (const name of names) {
  const local = name.replace(/_([a-z])/g, (_, c) => c.toUpperCase()); // protobuf-ts names fields lowerCamelCase
  const input = Request.create({ id: id++, request: { oneofKind: local, [local]: {} } });
  try {
    const call = transport.unary(Device.methods[0], input, transport.mergeOptions({}));
    const response = await call.response;
    console.log(JSON.stringify({ request: name, response: Response.toJson(response) }));
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    console.log(JSON.stringify({ request: name, code: e.code, message: e.message }));
  }
}
