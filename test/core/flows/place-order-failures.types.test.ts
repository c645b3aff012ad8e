import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * "A new failure code is a compile error until every edge handles it": the type checker is run on the
 * two edges that answer a refused placement (the shop bot, the distributor API) once as they are, and
 * once with one more code added to `PlaceOrderFailure` in memory. The first must be clean; the second
 * must fail in each edge's exhaustive switch.
 */
const root = path.resolve(import.meta.dirname, "../../..");
const failuresFile = path.join(root, "core/flows/place-order.failures.ts");
const edges = [path.join(root, "bots/shop/buy.ts"), path.join(root, "channels/api/place-order-failures.ts")];

function options(): ts.CompilerOptions {
  const configPath = path.join(root, "tsconfig.json");
  const { config } = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  return ts.parseJsonConfigFileContent(config, ts.sys, root).options;
}

/** The edges' type errors, with `PlaceOrderFailure` as `patch` leaves its source. */
function edgeErrors(patch: (source: string) => string, oldProgram?: ts.Program) {
  const opts = options();
  const host = ts.createCompilerHost(opts);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, onError, create) => {
    if (path.resolve(file) !== failuresFile) return getSourceFile(file, lang, onError, create);
    const text = patch(ts.sys.readFile(file)!);
    return ts.createSourceFile(file, text, lang);
  };
  const program = ts.createProgram({ rootNames: edges, options: opts, host, ...(oldProgram ? { oldProgram } : {}) });
  const errors = edges.flatMap((f) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => ({
      file: path.relative(root, d.file?.fileName ?? "?"),
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    })),
  );
  return { program, errors };
}

describe("PlaceOrderFailure is a closed union every edge handles", () => {
  it("a new failure code breaks the build in the bot and in the API until both answer it", () => {
    const asIs = edgeErrors((s) => s);
    expect(asIs.errors).toEqual([]);

    const added = edgeErrors((s) => {
      const patched = s.replace(
        "export type PlaceOrderFailure =",
        'export type PlaceOrderFailure =\n  | { ok: false; code: "a_new_refusal" }',
      );
      if (patched === s) throw new Error("could not add a code to PlaceOrderFailure");
      return patched;
    }, asIs.program);
    const unhandled = added.errors.filter((e) =>
      /"a_new_refusal".*not assignable to parameter of type 'never'/s.test(e.message),
    );
    expect(unhandled.map((e) => e.file).sort()).toEqual(["bots/shop/buy.ts", "channels/api/place-order-failures.ts"]);
  }, 120_000);
});
