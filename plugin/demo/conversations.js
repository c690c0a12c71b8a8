/**
 * Sample conversations of the demo helpdesk: one Finnish network outage (on Twitter, so
 * the channel's character limit shows), one Estonian late parcel, one English invoice question,
 * one Finnish billing complaint that threatens the consumer disputes board, which
 * calls for the approved legal escalation wording, and the same outage in Estonian and in
 * English (with `kb incident start`, all three get the incident's reply first: docs/outage-mode.rst).
 */
export const AGENT = { first_name: 'Mikko', name: 'Mikko Laine' };

export const CONVERSATIONS = [
  {
    id: 'demo-48213',
    ticket: { id: '48213' },
    channel: 'twitter',
    customer: { first_name: 'Aino', name: 'Aino Virtanen', handle: '@ainovirtanen' },
    subject: 'Netti ei toimi Tampereella',
    messages: [
      { from: 'customer', time: '08:02', text: 'Huomenta! Onko teillä taas joku vika?' },
      { from: 'customer', time: '08:04', text: 'Netti ei toimi ollenkaan Tampereella, eikä tv-kuvakaan tule. Pitäisi tehdä etätöitä. Onko alueella verkkohäiriö?' },
    ],
  },
  {
    id: 'demo-48220',
    ticket: { id: '48220' },
    channel: 'facebook',
    customer: { first_name: 'Kadri', name: 'Kadri Tamm' },
    subject: 'Pakk pole kohale jõudnud',
    messages: [
      { from: 'customer', time: '09:15', text: 'Tere! Tellisin kaks nädalat tagasi, aga pakk pole ikka veel kohale jõudnud. Kus mu tellimus on?' },
    ],
  },
  {
    id: 'demo-48231',
    ticket: { id: '48231' },
    channel: 'email',
    customer: { first_name: 'James', name: 'James Miller' },
    subject: 'Fees on my invoice',
    messages: [
      { from: 'customer', time: '10:41', text: 'Hi, I got my latest invoice and it has two fees I do not recognise. Can you explain what these fees are for?' },
    ],
  },
  {
    id: 'demo-48240',
    ticket: { id: '48240' },
    channel: 'chat',
    customer: { first_name: 'Pekka', name: 'Pekka Korhonen' },
    subject: 'Laskutus väärin jo kolmannen kerran',
    messages: [
      { from: 'customer', time: '11:20', text: 'Laskussa on taas väärä summa.' },
      { from: 'agent', time: '11:26', text: 'Hei Pekka, kiitos viestistä! Tarkistan laskusi heti.' },
      { from: 'customer', time: '11:31', text: 'Tämä on jo kolmas kerta kun laskutus menee väärin. Jos tätä ei korjata heti, vien asian kuluttajariitalautakuntaan.' },
    ],
  },
  {
    id: 'demo-48245',
    ticket: { id: '48245' },
    channel: 'facebook',
    customer: { first_name: 'Mari', name: 'Mari Kask' },
    subject: 'Internet ei tööta',
    messages: [
      { from: 'customer', time: '11:48', text: 'Tere! Internet ei tööta juba hommikust saati ja telepilt hangub. Kas teie võrgus on rike?' },
    ],
  },
  {
    id: 'demo-48251',
    ticket: { id: '48251' },
    channel: 'chat',
    customer: { first_name: 'Emma', name: 'Emma Wilson' },
    subject: 'Internet down',
    messages: [
      { from: 'customer', time: '11:52', text: 'Hi, my internet is down since this morning and calls keep dropping. Is there an outage in my area?' },
    ],
  },
];
