// Prints what Prisma's own schema engine (@prisma/prisma-schema-wasm's
// get_dmmf) reads from a schema: each model's table, and each column
// field's name, type, native type, list and optionality, as JSON for
// TestPrismaGoldens. argv: the schema file or folder.
const w = require("@prisma/prisma-schema-wasm");
const fs = require("fs");
const path = require("path");

const target = process.argv[2];
let files = [target];
if (fs.statSync(target).isDirectory()) {
  files = fs.readdirSync(target).filter((f) => f.endsWith(".prisma")).sort().map((f) => path.join(target, f));
}
const schema = files.map((f) => [path.relative(target, f) || path.basename(f), fs.readFileSync(f, "utf8")]);
const dmmf = JSON.parse(w.get_dmmf(JSON.stringify({ prismaSchema: schema })));
const enums = {};
for (const e of dmmf.datamodel.enums) enums[e.name] = e.dbName || e.name;
const out = { version: require("@prisma/prisma-schema-wasm/package.json").version, models: [] };
for (const m of dmmf.datamodel.models) {
  out.models.push({
    table: m.dbName || m.name,
    schema: m.schema || "",
    columns: m.fields
      .filter((f) => f.kind === "scalar" || f.kind === "enum")
      .map((f) => ({
        name: f.dbName || f.name,
        type: f.kind === "enum" ? "enum:" + enums[f.type] : f.type,
        native: f.nativeType ? f.nativeType[0] + (f.nativeType[1].length ? "(" + f.nativeType[1].join(", ") + ")" : "") : "",
        list: f.isList,
        required: f.isRequired,
      })),
  });
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
