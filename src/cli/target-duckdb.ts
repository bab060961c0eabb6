#!/usr/bin/env node
// target-duckdb: src/cli/target.ts, invoked under this name (it picks the loader from it).
import "./target.js";
