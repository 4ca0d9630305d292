#!/usr/bin/env node
'use strict';
/**
 * The registry this project installs from serves only the Linux builds of packages that ship one
 * native binary per platform (DuckDB bindings, SWC). `npm install` then leaves the other platforms
 * out of package-lock.json, and `npm ci` refuses the lock ("Missing: … from lock file"). This adds
 * those optional entries with their os/cpu constraints, so `npm ci` accepts the lock and skips them
 * on Linux exactly as it skips any optional package of another platform.
 * Run after every `npm install` that changes the lock: node bin/lock-platform-stubs.js
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const platformOf = (name) => {
  const os = /darwin/.test(name)
    ? 'darwin'
    : /win32/.test(name)
      ? 'win32'
      : /linux/.test(name)
        ? 'linux'
        : null;
  const cpu = /arm64|aarch64/.test(name)
    ? 'arm64'
    : /ia32/.test(name)
      ? 'ia32'
      : /gnueabihf|-arm-/.test(name)
        ? 'arm'
        : /ppc64/.test(name)
          ? 'ppc64'
          : /s390x/.test(name)
            ? 's390x'
            : /x64/.test(name)
              ? 'x64'
              : null;
  const libc = /musl/.test(name) ? 'musl' : os === 'linux' ? 'glibc' : null;
  return { os, cpu, libc };
};

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const nested = `${path}/node_modules/${name}`;
    if (packages[key] || packages[nested]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) continue;
    packages[key] = {
      version,
      cpu: [cpu],
      ...(libc ? { libc: [libc] } : {}),
      license: entry.license,
      optional: true,
      os: [os],
    };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-stubs: added ${added} optional platform entries`);
