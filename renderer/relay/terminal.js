// The relay terminal's screen: polls the terminal's state, shows the last outcome big, and lets the shop set the sale and mode.
const $ = (id) => document.getElementById(id);
const won = (m) => (m ? new Intl.NumberFormat('ko-KR', { style: 'currency', currency: m.currency }).format(m.amount) : '');
const post = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const TITLES = {
  paid: 'Paid / 결제 완료',
  accrued: 'Points added / 적립 완료',
  redeemed: 'Points used / 사용 완료',
  cancelled: 'Not done / 취소됨',
  reversed: 'Reversed / 결제 취소',
  relaying: 'Sending… / 처리 중',
};

function render(s) {
  $('terminal-id').textContent = s.terminalId;
  $('tag').textContent = s.terminalId;
  $('link').textContent = s.connected ? 'online' : 'offline';
  $('link').className = 'badge' + (s.connected ? ' on' : '');
  const box = $('result');
  if (s.busy) {
    box.className = 'result wait';
    $('result-title').textContent = TITLES.relaying;
    $('result-detail').textContent = '';
  } else if (s.last && s.last.refused) {
    box.className = 'result bad';
    $('result-title').textContent = 'Refused / 거절';
    $('result-detail').textContent = `${s.last.refused.code}: ${s.last.refused.message}`;
  } else if (s.last && s.last.relay) {
    const r = s.last.relay;
    const ok = ['paid', 'accrued', 'redeemed'].includes(r.status);
    box.className = 'result ' + (ok ? 'ok' : 'bad');
    $('result-title').textContent = TITLES[r.status] || r.status;
    const parts = [r.appId, won(r.amount), r.points ? `${r.points} P` : '', r.balance !== undefined ? `balance ${r.balance} P` : '', r.reason || '', r.path];
    $('result-detail').textContent = parts.filter(Boolean).join(' · ');
  }
  $('history').innerHTML = '';
  for (const r of s.history) {
    const li = document.createElement('li');
    li.textContent = `${r.status} ${r.operation} ${won(r.amount)} ${r.points ? r.points + ' P' : ''} (${r.via}, ${r.path})`;
    $('history').appendChild(li);
  }
  if (document.activeElement !== $('amount')) $('amount').value = s.sale ? s.sale.amount : '';
}

async function refresh() {
  try {
    render(await (await fetch('/api/relay/state')).json());
  } catch {}
}
$('set-sale').onclick = async () => render(await post('/api/relay/sale', { amount: Number($('amount').value) }));
$('mode').onchange = $('points').onchange = async () =>
  render(await post('/api/relay/mode', { operation: $('mode').value === 'redeem' ? 'redeem' : 'pay', points: Number($('points').value) || undefined }));
$('scan-form').onsubmit = async (e) => {
  e.preventDefault();
  const code = $('code').value.trim();
  $('code').value = '';
  if (code) await post('/api/relay/scan', { code });
  refresh();
};
setInterval(refresh, 500);
refresh();
