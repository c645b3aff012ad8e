#!/usr/bin/env node
// `npm run cli -- …`: the same commands as `tsx app/main.ts …`, run from a cached bundle (app/scripts/cli-bundle.mjs).
import { pathToFileURL } from "node:url";
import { cliBundle } from "./scripts/cli-bundle.mjs";

await import(pathToFileURL(await cliBundle()).href);
