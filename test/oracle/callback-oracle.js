// Oracle for pkg/callback's differential test: reads one JSON request per
// line on stdin, answers one JSON line per request on stdout, in order, using
// the official @wecom/crypto package.
'use strict';
const readline = require('readline');
const wecom = require('@wecom/crypto');

function handle(req) {
  switch (req.op) {
    case 'encrypt':
      return { encrypt: wecom.encrypt(req.key, req.message, req.id, Buffer.from(req.random_hex, 'hex')) };
    case 'decrypt': {
      const r = wecom.decrypt(req.key, req.encrypt);
      return { message: r.message, id: r.id, random_hex: r.random.toString('hex') };
    }
    case 'sign':
      return { signature: wecom.getSignature(req.token, req.timestamp, req.nonce, req.encrypt) };
    default:
      return { error: 'unknown op ' + req.op };
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let out;
  try {
    out = handle(JSON.parse(line));
  } catch (e) {
    out = { error: String(e && e.message || e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
