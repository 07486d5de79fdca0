"use strict";
// Preloaded into Azurite by azrm (node -r azurite_hook.js azurite.js ...).
//
// Azurite reads its extra storage accounts from the AZURITE_ACCOUNTS environment variable of its own
// process and re-reads it periodically. This hook lets the parent Python process change that variable
// at run time: each stdin line "accounts name1:key1:key2;name2:key1" replaces it. The re-read interval
// is shortened so a new account works within milliseconds (the Python side waits until it does).
// When stdin closes (the parent stopped, or died), Azurite shuts down gracefully.
//
// Azurite keeps its blob metadata in LokiJS databases that it saves every 5 seconds: a blob written
// just before Azurite is killed would be lost though its bytes are on disk. A stdin line "flush <token>"
// saves every database now and answers "azrm-flushed <token> <error or ok>" on stdout once they are on
// disk, so the local Azure can make blob data durable before it commits state that depends on it.
const path = require("path");

const lokiDatabases = new Set();

const azuriteDir = process.env.AZRM_AZURITE_DIR;
if (azuriteDir) {
  try {
    const constants = require(path.join(azuriteDir, "dist", "src", "common", "utils", "constants"));
    constants.DEFAULT_ACCOUNTS_REFRESH_INTERVAL = Number(process.env.AZRM_ACCOUNTS_REFRESH_MS || 20);
  } catch (err) {
    process.stderr.write(`azrm hook: cannot shorten the account refresh interval: ${err.message}\n`);
  }
  try {
    // Wrap the LokiJS constructor before Azurite loads it, to know every database it opens.
    const lokiPath = require.resolve("lokijs", { paths: [azuriteDir] });
    const Loki = require(lokiPath);
    const Tracked = function (...args) {
      const db = new Loki(...args);
      lokiDatabases.add(db);
      return db;
    };
    Object.assign(Tracked, Loki);
    Tracked.prototype = Loki.prototype;
    require.cache[lokiPath].exports = Tracked;
  } catch (err) {
    process.stderr.write(`azrm hook: cannot track Azurite's databases: ${err.message}\n`);
  }
}

function flush(token) {
  const saves = [...lokiDatabases]
    .filter((db) => db.persistenceAdapter && db.filename)
    .map((db) => new Promise((resolve) => db.saveDatabase((err) => resolve(err ? err.message : null))));
  Promise.all(saves).then((errors) => {
    const failed = errors.filter((e) => e);
    process.stdout.write(`azrm-flushed ${token} ${failed.length ? failed.join("; ") : "ok"}\n`);
  });
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
    } else if (line.startsWith("flush ")) {
      flush(line.slice("flush ".length));
    }
  }
});
process.stdin.on("end", () => {
  process.stdin.pause();
  process.emit("SIGTERM");
  setTimeout(() => process.exit(0), 5000).unref();
});
