#!/usr/bin/env node
'use strict';
// The CLI runs the compiled output; `npm ci` compiles it through the `prepare` script.
require('../dist/cli/main.js');
