// Differential oracle for pkg/jssdk (go test -tags oracle ./pkg/jssdk/).
// Reads one JSON object per line on stdin: {ticket, nonceStr, timestamp, url}
// and writes one per line on stdout with what the official packages compute
// for exactly those inputs, plus the WHATWG (browser) form of the URL.
'use strict';
const readline = require('node:readline');
const jssdk = require('@wecom/jssdk');
const wecomCrypto = require('@wecom/crypto');

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  const inp = JSON.parse(line);
  const args = { ticket: inp.ticket, nonceStr: inp.nonceStr, timestamp: inp.timestamp, url: inp.url };
  let href = '';
  try {
    href = new URL(inp.url).href;
  } catch (e) {
    href = 'ERROR: ' + e.message;
  }
  process.stdout.write(JSON.stringify({
    jssdk: jssdk.getSignature({ ...args }).signature,
    crypto: wecomCrypto.getJsApiSignature({ ...args }).signature,
    href,
  }) + '\n');
});
