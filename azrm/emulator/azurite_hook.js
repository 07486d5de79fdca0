"use strict";
// Preloaded into Azurite by azrm (node -r azurite_hook.js azurite.js ...).
//
// Azurite reads its extra storage accounts from the AZURITE_ACCOUNTS environment variable of its own
// process and re-reads it periodically. This hook lets the parent Python process change that variable
// at run time: each stdin line "accounts name1:key1:key2;name2:key1" replaces it. The re-read interval
// is shortened so a new account works within milliseconds (the Python side waits until it does).
// When stdin closes (the parent stopped, or died), Azurite shuts down gracefully.
const path = require("path");

const azuriteDir = process.env.AZRM_AZURITE_DIR;
if (azuriteDir) {
  try {
    const constants = require(path.join(azuriteDir, "dist", "src", "common", "utils", "constants"));
    constants.DEFAULT_ACCOUNTS_REFRESH_INTERVAL = Number(process.env.AZRM_ACCOUNTS_REFRESH_MS || 20);
  } catch (err) {
    process.stderr.write(`azrm hook: cannot shorten the account refresh interval: ${err.message}\n`);
  }
}

let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    if (line.startsWith("accounts ")) {
      process.env.AZURITE_ACCOUNTS = line.slice("accounts ".length);
    }
  }
});
process.stdin.on("end", () => {
  process.stdin.pause();
  process.emit("SIGTERM");
  setTimeout(() => process.exit(0), 5000).unref();
});
