#!/usr/bin/env node
/** Entry point of the `messagefoundry` CLI. */
import { run } from "./program.js";

process.exitCode = await run(process.argv);
