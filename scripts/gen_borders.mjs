// Generate leonet's country borders from npm's world-atlas (Natural Earth admin-0, public domain).
// Usage (see data/README.md): node scripts/gen_borders.mjs NODE_MODULES_DIR OUT.geojson [10m|50m]
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [modules, out, scale = "10m"] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const topojson = require("topojson-client");
const countries = require("i18n-iso-countries");
const topo = JSON.parse(readFileSync(path.join(modules, "world-atlas", `countries-${scale}.json`), "utf8"));
const fc = topojson.feature(topo, topo.objects.countries);
// Territories without an ISO 3166-1 numeric code in world-atlas: give them the code of the state administering
// them de facto or the user-assigned code in common use (documented in data/README.md).
const byName = { "Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO", "Indian Ocean Ter.": "AU",
  "Ashmore and Cartier Is.": "AU", "Siachen Glacier": "IN", "Baikonur": "KZ", "Cyprus U.N. Buffer Zone": "CY",
  "Br. Indian Ocean Ter.": "IO", "Fr. S. Antarctic Lands": "TF", "Antarctica": "AQ", "Dhekelia": "GB",
  "Akrotiri": "GB", "USNB Guantanamo Bay": "US", "Coral Sea Is.": "AU", "Clipperton I.": "FR",
  "Bajo Nuevo Bank": "CO", "Serranilla Bank": "CO" };
const round = (c) => (typeof c[0] === "number" ? [Math.round(c[0] * 1e5) / 1e5, Math.round(c[1] * 1e5) / 1e5]
  : c.map(round));
const features = [];
const missing = [];
for (const f of fc.features) {
  const name = f.properties.name;
  let a2 = f.id ? countries.numericToAlpha2(f.id) : undefined;
  if (!a2) a2 = byName[name];
  if (!a2) { missing.push(`${f.id}:${name}`); continue; }
  if (!f.geometry) continue;
  features.push({ type: "Feature", properties: { iso_a2: a2, name },
    geometry: { type: f.geometry.type, coordinates: round(f.geometry.coordinates) } });
}
writeFileSync(out, JSON.stringify({ type: "FeatureCollection", features }));
console.error(`wrote ${features.length} features; skipped (no ISO code): ${missing.join(", ") || "none"}`);
