/** The Chatwoot side of the Dashboard App protocol (see plugin/chatwoot/app.js). */
const iframe = document.getElementById('app');
const conversations = [
  { id: 42, display_id: 1042, meta: { channel: 'Channel::WebWidget', sender: { name: 'James Miller' } },
    messages: [
      { id: 1, content: 'Hi, my parcel still has not arrived and the tracking is not updating.', message_type: 0 },
      { id: 2, content: 'Let me check that for you.', message_type: 1 },
      { id: 3, content: 'Internal note: check the carrier', message_type: 1, private: true },
    ] },
  { id: 43, display_id: 1043, meta: { channel: 'Channel::Sms', sender: { name: 'Aino Virtanen' } },
    messages: [{ id: 4, content: 'Netti ei toimi Tampereella, onko alueella vika?', message_type: 0 }] },
  // An Instagram conversation whose contact has not loaded yet: Chatwoot sends `contact: {}`.
  { id: 44, display_id: 1044, contactNotLoaded: true,
    meta: { channel: 'Channel::Instagram', sender: { name: 'Kalle Virtanen' } },
    messages: [{ id: 5, content: 'Laskussa on outo maksu, mikä tämä lasku on?', message_type: 0 }] },
];
let current = 0;
window.fetchInfoRequests = 0;

function sendContext() {
  const conversation = conversations[current];
  document.getElementById('title').textContent = `Conversation ${conversation.display_id}`;
  const payload = { event: 'appContext', data: {
    conversation, contact: conversation.contactNotLoaded ? {} : { id: 9, name: conversation.meta.sender.name },
    currentAgent: { id: 1, name: 'Mikko Laine', email: 'mikko@example.com' },
  } };
  iframe.contentWindow.postMessage(JSON.stringify(payload), '*');
}

window.addEventListener('message', (event) => {
  if (event.source === iframe.contentWindow && event.data === 'chatwoot-dashboard-app:fetch-info') {
    window.fetchInfoRequests += 1;
    sendContext();
  }
});
iframe.addEventListener('load', sendContext);
document.getElementById('next').addEventListener('click', () => {
  current = (current + 1) % conversations.length;
  sendContext();
});
const query = new URLSearchParams(window.location.search);
const hash = new URLSearchParams({ lang: query.get('lang') || 'en', token: query.get('token') || '' });
if (query.get('theme')) hash.set('theme', query.get('theme'));
iframe.src = `index.html#${hash}`;
