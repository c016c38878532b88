// A form generated from a graph's typed parameters (the catalogue's type, ranges, default,
// enum values, description): sliders over the UI range beside number boxes that allow the
// hard range, colour pickers, selects, checkboxes, URL fields.

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children);
  return node;
};

/** A step that gives about 200-1000 positions over the range, for number parameters. */
function stepFor(p, lo, hi) {
  if (p.type === 'int') return 1;
  const span = hi - lo;
  for (const s of [0.001, 0.01, 0.1, 1, 10]) if (span / s <= 1000) return s;
  return 100;
}

/** The slider range: the UI hints, else the hard range when it is small enough to slide. */
function sliderRange(p) {
  const lo = p.uiMin ?? p.min;
  const hi = p.uiMax ?? p.max;
  if (lo === undefined || hi === undefined || !(hi > lo)) return undefined;
  if (p.uiMin === undefined && p.uiMax === undefined && hi - lo > 5000) return undefined;
  return [lo, hi];
}

/** `#rrggbb[aa]` -> `#rrggbb` for <input type=color>; anything else (CSS names) -> undefined. */
function pickerValue(text) {
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(text ?? '');
  if (!m) return undefined;
  let h = m[1];
  if (h.length <= 4) h = [...h].map((c) => c + c).join('');
  return `#${h.slice(0, 6).toLowerCase()}`;
}

function field(p, id, onInput) {
  const hintId = `${id}-hint`;
  const unit = p.unit ? ` (${p.unit})` : '';
  const label = el('label', { for: id, text: `${p.name}${unit}` });
  const range = p.min !== undefined || p.max !== undefined ? ` Range ${p.min ?? ''}..${p.max ?? ''}.` : '';
  const hint = el('p', { id: hintId, class: 'hint', text: `${p.description.replace(/[^.!?]$/, '$&.')}${range}` });
  const wrap = el('div', { class: `field field-${p.type}`, 'data-param': p.name });
  const def = p.default === undefined ? '' : String(p.default);
  let read;
  let write;

  if (p.type === 'boolean') {
    const box = el('input', { type: 'checkbox', id, 'aria-describedby': hintId, checked: p.default === true });
    box.addEventListener('change', onInput);
    wrap.append(box, label, hint);
    read = () => String(box.checked);
    write = (v) => { box.checked = v === 'true'; };
  } else if (p.type === 'enum') {
    const select = el('select', { id, 'aria-describedby': hintId }, ...(p.values ?? []).map((v) => el('option', { value: v, text: v })));
    select.value = def;
    select.addEventListener('change', onInput);
    wrap.append(label, select, hint);
    read = () => select.value;
    write = (v) => { select.value = v; };
  } else if (p.type === 'int' || p.type === 'number') {
    const slide = sliderRange(p);
    const box = el('input', { type: 'number', id: slide ? `${id}-number` : id, min: p.min, max: p.max, step: slide ? stepFor(p, ...slide) : p.type === 'int' ? 1 : 'any', value: def, inputmode: p.type === 'int' ? 'numeric' : 'decimal', 'aria-describedby': hintId, 'aria-label': slide ? `${p.name} value` : undefined, placeholder: def === '' ? 'not set' : undefined });
    let slider;
    if (slide) {
      slider = el('input', { type: 'range', id, min: slide[0], max: slide[1], step: stepFor(p, ...slide), value: def === '' ? slide[0] : def, 'aria-describedby': hintId });
      slider.addEventListener('input', () => { box.value = slider.value; onInput(); });
    }
    box.addEventListener('input', () => {
      if (slider && box.value !== '') slider.value = box.value;
      onInput();
    });
    wrap.append(label, ...(slider ? [el('div', { class: 'slider-row' }, slider, box)] : [box]), hint);
    read = () => box.value.trim();
    write = (v) => { box.value = v; if (slider && v !== '') slider.value = v; };
  } else if (p.type === 'color') {
    const text = el('input', { type: 'text', id, value: def, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': hintId });
    const picker = el('input', { type: 'color', value: pickerValue(def) ?? '#000000', 'aria-label': `${p.name} colour picker` });
    picker.addEventListener('input', () => {
      // Keep the alpha the text had: the picker only knows #rrggbb.
      const alpha = /^#[0-9a-f]{8}$/i.test(text.value) ? text.value.slice(7) : '';
      text.value = picker.value + alpha;
      onInput();
    });
    text.addEventListener('input', () => {
      const v = pickerValue(text.value);
      if (v) picker.value = v;
      onInput();
    });
    wrap.append(label, el('div', { class: 'color-row' }, picker, text), hint);
    read = () => text.value.trim();
    write = (v) => { text.value = v; picker.value = pickerValue(v) ?? picker.value; };
  } else {
    const input = el('input', { type: p.type === 'image' ? 'url' : 'text', id, value: def, inputmode: p.type === 'image' ? 'url' : undefined, placeholder: p.type === 'image' ? 'https://...' : undefined, 'aria-describedby': hintId });
    input.addEventListener('input', onInput);
    wrap.append(label, input, hint);
    read = () => input.value.trim();
    write = (v) => { input.value = v; };
  }
  return { wrap, read, write, def };
}

/**
 * Fills `form` with one field per parameter. Returns values() (a Map of the parameters that
 * differ from their defaults, as strings: short URLs, and the defaults stay the server's) and
 * reset().
 */
export function buildForm(form, parameters, onChange) {
  form.replaceChildren();
  const fields = new Map();
  for (const p of parameters) {
    const f = field(p, `param-${p.name}`, onChange);
    fields.set(p.name, f);
    form.append(f.wrap);
  }
  if (parameters.length === 0) form.append(el('p', { class: 'hint', text: 'This graph has no parameters.' }));
  return {
    values() {
      const out = new Map();
      for (const [name, f] of fields) {
        const v = f.read();
        if (v !== '' && v !== f.def) out.set(name, v);
      }
      return out;
    },
    reset() {
      for (const f of fields.values()) f.write(f.def);
      onChange();
    },
  };
}
