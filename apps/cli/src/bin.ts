#!/usr/bin/env node
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`mmtape: internal error: ${String(error)}`);
    process.exitCode = 3;
  },
);
