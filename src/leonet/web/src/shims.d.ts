// MapLibre's CSP build (a worker from a same-origin script file instead of a blob:) has the same API as its default
// build, whose type declarations it shares.
declare module "maplibre-gl/dist/maplibre-gl-csp.js" {
  import * as maplibregl from "maplibre-gl";
  export default maplibregl;
}
