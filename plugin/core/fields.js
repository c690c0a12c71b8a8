/**
 * The inline form for placeholders the helpdesk could not fill ({{order.tracking_code}},
 * {{outage.next_update}}): one field a placeholder, keyboard first.
 *
 * What each variable is (its format, maximum length, description) is declared once, in the
 * knowledge base's kb.yaml; the panel gets it from GET /version (`facts.variables`) and this
 * form only turns it into fields: a time, date, date-and-time or number field takes the ISO
 * value the service formats in the reply's language, anything else a text field.
 *
 * Nothing typed here is stored: the values live in the open panel, for its conversation only.
 *
 * Keys: Tab and Shift+Tab move between the fields, Enter inserts when every field is filled
 * (else it goes to the next empty one), Ctrl+Enter inserts as it is (the agent chose to leave
 * a placeholder), Esc goes back to the search box.
 */

import { _ } from './i18n.js';

const INPUT_TYPES = Object.freeze({ time: 'time', date: 'date', datetime: 'datetime-local', number: 'number' });

/** The <input> type for a variable's format (kb.yaml `format`), text for any other. */
export function inputType(format) {
  return Object.hasOwn(INPUT_TYPES, format) ? INPUT_TYPES[format] : 'text';
}

/**
 * @param {Document} doc
 * @param {object} options
 * @param {string[]} options.names the placeholders left in the reply, in order
 * @param {Record<string, object>} options.specs facts.variables: name -> {format, max_length, description}
 * @param {Record<string, string>} options.values what the agent typed before in this conversation
 * @param {string} options.id a prefix for the fields' ids
 * @param {(name: string, value: string) => void} options.onInput
 * @param {(force: boolean) => void} options.onSubmit insert (force: even with empty fields)
 * @param {() => void} options.onEscape
 */
export function buildFields(doc, { names, specs, values, id, onInput, onSubmit, onEscape }) {
  const form = doc.createElement('div');
  form.className = 'fields';
  form.setAttribute('role', 'group');
  form.setAttribute('aria-label', _('Fill in the reply'));
  const inputs = [];
  names.forEach((name, index) => {
    const spec = specs[name] || {};
    const label = doc.createElement('label');
    label.className = 'field';
    label.htmlFor = `${id}-field-${index}`;
    const caption = doc.createElement('span');
    caption.className = 'field-name';
    caption.textContent = spec.description || name;
    caption.title = `{{${name}}}`;
    const input = doc.createElement('input');
    input.id = `${id}-field-${index}`;
    input.type = inputType(spec.format);
    input.dataset.variable = name;
    if (Number.isInteger(spec.max_length) && input.type === 'text') input.maxLength = spec.max_length;
    if (typeof spec.example === 'string' && input.type === 'text') input.placeholder = spec.example;
    input.value = values[name] || '';
    input.autocomplete = 'off';
    input.addEventListener('input', () => onInput(name, input.value));
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        event.stopPropagation();
        const empty = inputs.find((other) => !other.value.trim());
        if (event.ctrlKey || event.metaKey || !empty) onSubmit(event.ctrlKey || event.metaKey);
        else empty.focus();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onEscape();
      }
    });
    label.append(caption, input);
    form.append(label);
    inputs.push(input);
  });
  const hint = doc.createElement('p');
  hint.className = 'fields-hint';
  hint.textContent = _('Tab next field · Enter insert · Ctrl+Enter insert as it is');
  form.append(hint);
  return {
    element: form,
    /** Focus the first empty field (else the first); false when there is none. */
    focus() {
      const target = inputs.find((input) => !input.value.trim()) || inputs[0];
      if (!target) return false;
      target.focus();
      return true;
    },
  };
}
