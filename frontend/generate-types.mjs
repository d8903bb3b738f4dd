// JSON Schemas in, TypeScript declarations out: json-schema-to-typescript does the work.
//
// Run by `workbench types` (workbench/tooling/typescript.py), which writes the
// Pydantic models' schemas to stdin as
//   {"banner": "...", "declarations": [{"schema": {...}, "typeParameters": ["T"]}, ...]}
// and reads one TypeScript module from stdout.
//
// Each declaration is compiled on its own without re-declaring the types it
// refers to (declareExternallyReferenced: false), so AsyncOperationStatus is
// declared once, by its own entry. JSON Schema has no generics, so a generic
// model arrives with its type parameters listed, its schema already using them
// (tsType: "T"), and they are added to the interface's name here.
import { compile } from "json-schema-to-typescript";

const OPTIONS = {
  bannerComment: "",
  declareExternallyReferenced: false,
  additionalProperties: false,
  unknownAny: false,
};

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function addTypeParameters(source, name, parameters) {
  const head = `export interface ${name} {`;
  const count = source.split(head).length - 1;
  if (count !== 1) {
    throw new Error(`expected one "${head}" in the generated code for ${name}, found ${count}`);
  }
  return source.replace(head, `export interface ${name}<${parameters.join(", ")}> {`);
}

const { banner, declarations } = JSON.parse(await readStdin());
const parts = [banner.trimEnd()];
for (const { schema, typeParameters = [] } of declarations) {
  let source = await compile(schema, schema.title, OPTIONS);
  if (typeParameters.length) source = addTypeParameters(source, schema.title, typeParameters);
  parts.push(source.trim());
}
process.stdout.write(parts.join("\n\n") + "\n");
