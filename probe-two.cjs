const WebSocket = require('ws'); const fs = require('fs');
const ANN = fs.readFileSync('/work/probe2/dtok.ann.carter', 'utf8').trim(), ISLA = fs.readFileSync('/work/probe2/dtok.isla.morgan', 'utf8').trim();
const got = { 4208: [], 4209: [] };
function sub(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + ANN } })));
  ws.on('message', (m) => { m = JSON.parse(String(m)); if (m.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { caseChanged { reference title } }' } })); else if (m.type === 'next') got[port].push(m.payload.data.caseChanged.reference); else console.log(port, m); });
  return ws;
}
const a = sub(4208), b = sub(4209);
const mut = (port, ref) => fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + ISLA }, body: JSON.stringify({ query: 'mutation($i: OpenCaseInput!){ openCase(input:$i){ reference } }', variables: { i: { reference: ref, title: 'two hubs', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'GREEN' } } }) }).then((r) => r.json());
setTimeout(async () => {
  const s = Date.now() % 100000;
  for (let i = 0; i < 10; i++) { await mut(i % 2 ? 4208 : 4209, `ICO-TWO-${s}-${i}`); }
  setTimeout(() => { console.log('hub A (4208) got', got[4208].length, got[4208].join(' ')); console.log('hub B (4209) got', got[4209].length, got[4209].join(' ')); process.exit(0); }, 3000);
}, 1500);
