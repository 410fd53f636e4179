import { describe, expect, it } from "vitest";
import { SECTIONS, type FieldSpec } from "./SettingsPage";

interface Property {
  description?: string;
  type?: string;
  anyOf?: { type?: string; minimum?: number; maximum?: number }[];
  minimum?: number;
  maximum?: number;
}

interface Schema {
  properties: Record<string, Property | { $ref: string }>;
}

/** The API's own statement of a setting's range ("Range: > 0 and ≤ 1."), as a FieldSpec's bounds. */
function apiRange(property: Property): Pick<FieldSpec, "min" | "minExclusive" | "max" | "maxExclusive"> {
  const range = /Range: (.*?)\.(?: |$)/.exec(property.description ?? "")?.[1] ?? "";
  const bounds: Pick<FieldSpec, "min" | "minExclusive" | "max" | "maxExclusive"> = {};
  for (const part of range.split(" and ")) {
    const m = /^(>|≥|<|≤) (-?[\d.]+)$/.exec(part.trim());
    if (!m) continue;
    const [, op, value] = m;
    if (op === ">" || op === "≥") {
      bounds.min = value;
      if (op === ">") bounds.minExclusive = true;
    } else {
      bounds.max = value;
      if (op === "<") bounds.maxExclusive = true;
    }
  }
  return bounds;
}

// The repo's docs/openapi.json (generated from the API); a variable path keeps it out of tsc's graph.
const OPENAPI = "../../../docs/openapi.json";

describe("settings ranges", () => {
  it("mirror docs/openapi.json (SettingsDocument-Input)", async () => {
    // Node's fs (the tests run in Node; the app's tsconfig has no Node types, hence the cast).
    const fs = (await import(/* @vite-ignore */ "node:fs" as string)) as {
      readFileSync(path: URL, encoding: "utf8"): string;
    };
    const doc = { default: JSON.parse(fs.readFileSync(new URL(OPENAPI, import.meta.url), "utf8")) } as {
      default: { components: { schemas: Record<string, Schema> } };
    };
    const schemas = doc.default.components.schemas;
    const resolve = (schema: Schema, name: string): Schema => {
      const ref = (schema.properties[name] as { $ref?: string }).$ref!;
      return schemas[ref.split("/").pop()!]!;
    };
    const root = schemas["SettingsDocument-Input"]!;
    const checked: string[] = [];
    for (const section of SECTIONS) {
      let schema = root;
      for (const part of section.path.split(".")) schema = resolve(schema, part);
      const apiFields = Object.keys(schema.properties).sort();
      expect(section.fields.map((f) => f.path.split(".").pop()).sort()).toEqual(apiFields);
      for (const field of section.fields) {
        const property = schema.properties[field.path.split(".").pop()!] as Property;
        const nullable = (property.anyOf ?? []).some((t) => t.type === "null");
        expect({ path: field.path, nullable: field.nullable === true }).toEqual({ path: field.path, nullable });
        if (field.kind === "bool") continue;
        const { min, minExclusive, max, maxExclusive } = field;
        expect({ path: field.path, min, minExclusive, max, maxExclusive }).toEqual({ path: field.path, ...apiRange(property) });
        checked.push(field.path);
      }
    }
    expect(checked.length).toBeGreaterThan(30);
  });
});
