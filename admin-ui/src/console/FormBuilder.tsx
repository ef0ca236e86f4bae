// The forms builder (R62, R63): one form's elements, added with icons, each editable, moved
// up and down with arrows, each field mapped to a contact field or a routing variable. The
// engine's errors are shown next to the element they name.
import { t } from '../shared/i18n';
import {
  ELEMENT_TYPES, INPUT_KINDS, type Choice, type ContactMapping, type ElementSpec, type ElementType, type Target,
  hasOptions, isField, moveElement, newElement, targetOf, withTarget,
} from './forms';

/** R62: each element type has an icon on its add button and in the list. */
const ICON_PATHS: Record<ElementType, string> = {
  label: 'M4 6h16M4 12h10M4 18h13',
  input: 'M3 8h18v8H3zM7 11v2',
  select: 'M3 7h18v10H3zM15 11l2 2 2-2',
  textarea: 'M3 4h18v16H3zM7 8h10M7 12h10M7 16h6',
  radio: 'M12 3a9 9 0 1 0 0 18 9 9 0 1 0 0-18M12 9a3 3 0 1 0 0 6 3 3 0 1 0 0-6',
  checkboxes: 'M3 3h8v8H3zM13 7h8M3 13h8v8H3zM13 17h8M5 7l2 2 3-4',
  agreement: 'M4 4h16v16H4zM8 12l3 3 5-6',
  attachment: 'M21 12.5l-8.5 8.5a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.8-2.8l8.3-8.3',
};

export function ElementIcon({ type }: { type: ElementType }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2"
      stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d={ICON_PATHS[type]} /></svg>
  );
}

const typeName = (type: ElementType) => t(`form_type_${type}` as 'form_type_label');
const num = (value: string) => (value.trim() === '' ? undefined : Number(value));

function Options({ element, onChange, testid }: { element: ElementSpec; onChange: (e: ElementSpec) => void; testid: string }) {
  const options = element.options ?? [];
  const set = (i: number, choice: Choice) => onChange({ ...element, options: options.map((c, j) => (j === i ? choice : c)) });
  return (
    <div class="stack options" data-testid={`${testid}-options`}>
      <span class="muted">{t('form_options')}</span>
      {options.map((c, i) => (
        <div class="row" key={i}>
          <input aria-label={t('form_option_value')} placeholder={t('form_option_value')} value={c.value} data-testid={`${testid}-option-${i}-value`}
            onInput={(e) => set(i, { ...c, value: (e.target as HTMLInputElement).value })} />
          <input aria-label={t('form_option_label')} placeholder={t('form_option_label')} value={c.label ?? ''} data-testid={`${testid}-option-${i}-label`}
            onInput={(e) => set(i, { ...c, label: (e.target as HTMLInputElement).value })} />
          <button type="button" aria-label={t('remove')} title={t('remove')} disabled={options.length === 1}
            onClick={() => onChange({ ...element, options: options.filter((_, j) => j !== i) })}>×</button>
        </div>
      ))}
      <button type="button" data-testid={`${testid}-add-option`}
        onClick={() => onChange({ ...element, options: [...options, { value: `option${options.length + 1}` }] })}>{t('form_add_option')}</button>
    </div>
  );
}

/** R63: where the field's value goes. */
function MappingPicker({ name, mapping, onMapping, testid }: {
  name: string; mapping: ContactMapping; onMapping: (m: ContactMapping) => void; testid: string;
}) {
  const target = targetOf(mapping, name);
  const custom = target.startsWith('custom:') ? target.slice(7) : null;
  return (
    <label>{t('form_maps_to')}
      <span class="row">
        <select data-testid={`${testid}-target`} value={custom === null ? target : 'custom'}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            onMapping(withTarget(mapping, name, (v === 'custom' ? `custom:${name}` : v) as Target));
          }}>
          <option value="variable">{t('form_target_variable')}</option>
          <option value="name">{t('form_target_name')}</option>
          <option value="email">{t('form_target_email')}</option>
          <option value="phone">{t('form_target_phone')}</option>
          <option value="custom">{t('form_target_custom')}</option>
        </select>
        {custom !== null && (
          <input aria-label={t('form_target_custom_name')} value={custom} data-testid={`${testid}-custom`}
            onInput={(e) => onMapping(withTarget(mapping, name, `custom:${(e.target as HTMLInputElement).value}`))} />
        )}
      </span>
    </label>
  );
}

function ElementEditor({ element, onChange, mapping, onMapping, testid }: {
  element: ElementSpec; onChange: (e: ElementSpec) => void; mapping: ContactMapping; onMapping: (m: ContactMapping) => void; testid: string;
}) {
  const text = (key: keyof ElementSpec) => (e: Event) => onChange({ ...element, [key]: (e.target as HTMLInputElement).value });
  const number = (key: keyof ElementSpec) => (e: Event) => onChange({ ...element, [key]: num((e.target as HTMLInputElement).value) });
  if (element.type === 'label') {
    return <label>{t('form_text')}<textarea rows={2} value={element.text ?? ''} data-testid={`${testid}-text`} onInput={text('text')} /></label>;
  }
  /** Renaming a field keeps its mapping. */
  const rename = (e: Event) => {
    const name = (e.target as HTMLInputElement).value;
    const target = targetOf(mapping, element.name ?? '');
    onChange({ ...element, name });
    if (target !== 'variable') onMapping(withTarget(withTarget(mapping, element.name ?? '', 'variable'), name, target));
  };
  return (
    <div class="grid2">
      <label>{t('form_label')}<input value={element.label ?? ''} data-testid={`${testid}-label`} onInput={text('label')} /></label>
      <label>{t('form_name')}<input value={element.name ?? ''} data-testid={`${testid}-name`} onInput={rename} />
        <span class="muted">{t('form_name_hint')}</span></label>
      {element.type === 'input' && (
        <label>{t('form_input_kind')}<select value={element.input ?? 'text'} data-testid={`${testid}-kind`}
          onChange={(e) => onChange({ ...element, input: (e.target as HTMLSelectElement).value as ElementSpec['input'] })}>
          {INPUT_KINDS.map((k) => <option key={k} value={k}>{t(`form_input_${k}` as 'form_input_text')}</option>)}
        </select></label>
      )}
      {((element.type === 'input' && (element.input ?? 'text') === 'text') || element.type === 'textarea') && (
        <label>{t('form_max_length')}<input type="number" min={1} value={element.max_length ?? ''} onInput={number('max_length')} /></label>
      )}
      {element.type === 'input' && element.input === 'number' && (
        <>
          <label>{t('form_min')}<input type="number" step="any" value={element.min ?? ''} onInput={number('min')} /></label>
          <label>{t('form_max')}<input type="number" step="any" value={element.max ?? ''} onInput={number('max')} /></label>
        </>
      )}
      {element.type === 'attachment' && (
        <>
          <label>{t('form_accept')}<input value={(element.accept ?? []).join(', ')} placeholder=".pdf, image/*"
            /* Split when the field is left, so commas and spaces can be typed. */
            onChange={(e) => onChange({ ...element, accept: (e.target as HTMLInputElement).value.split(/[\s,]+/).filter((a) => a !== '') })} /></label>
          <label>{t('form_max_files')}<input type="number" min={1} max={10} value={element.max_files ?? ''} onInput={number('max_files')} /></label>
        </>
      )}
      {element.type !== 'agreement' && (
        <label class="row"><input type="checkbox" checked={element.required ?? false} data-testid={`${testid}-required`}
          onChange={(e) => onChange({ ...element, required: (e.target as HTMLInputElement).checked })} />{t('form_required')}</label>
      )}
      <MappingPicker name={element.name ?? ''} mapping={mapping} onMapping={onMapping} testid={testid} />
      {hasOptions(element) && <Options element={element} onChange={onChange} testid={testid} />}
    </div>
  );
}

/** One form: its elements, or (switched off) the default it falls back to. */
export function FormBuilder({ id, title, offLabel, elements, onChange, mapping, onMapping, errors }: {
  id: string; title: string; offLabel: string; elements: ElementSpec[] | null; onChange: (e: ElementSpec[] | null) => void;
  mapping: ContactMapping; onMapping: (m: ContactMapping) => void; errors: Map<number, string>;
}) {
  const list = elements ?? [];
  const set = (i: number, e: ElementSpec) => onChange(list.map((x, j) => (j === i ? e : x)));
  return (
    <fieldset class="stack form-builder" data-testid={`builder-${id}`}>
      <legend>{title}</legend>
      <label class="row"><input type="checkbox" checked={elements !== null} data-testid={`${id}-enabled`}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked ? list : null)} />{t('form_own')}</label>
      {elements === null ? <p class="muted">{offLabel}</p> : (
        <>
          {errors.get(-1) && <p class="form-error" role="alert" data-testid={`${id}-error`}>{errors.get(-1)}</p>}
          <ol class="elements">
            {list.map((element, i) => (
              <li key={i} class="element stack" data-testid={`${id}-element-${i}`}>
                <div class="row">
                  <ElementIcon type={element.type} /><strong>{typeName(element.type)}</strong>
                  {isField(element) && <span class="muted">{element.name}</span>}
                  <span class="spacer" />
                  <button type="button" aria-label={t('move_up')} title={t('move_up')} disabled={i === 0} data-testid={`${id}-up-${i}`}
                    onClick={() => onChange(moveElement(list, i, -1))}>↑</button>
                  <button type="button" aria-label={t('move_down')} title={t('move_down')} disabled={i === list.length - 1} data-testid={`${id}-down-${i}`}
                    onClick={() => onChange(moveElement(list, i, 1))}>↓</button>
                  <button type="button" data-testid={`${id}-remove-${i}`} onClick={() => onChange(list.filter((_, j) => j !== i))}>{t('remove')}</button>
                </div>
                <ElementEditor element={element} onChange={(e) => set(i, e)} mapping={mapping} onMapping={onMapping} testid={`${id}-${i}`} />
                {errors.get(i) && <p class="form-error" role="alert" data-testid={`${id}-error-${i}`}>{errors.get(i)}</p>}
              </li>
            ))}
          </ol>
          <div class="row add-elements" role="group" aria-label={t('form_add')}>
            <span class="muted">{t('form_add')}</span>
            {ELEMENT_TYPES.map((type) => (
              <button type="button" key={type} data-testid={`${id}-add-${type}`} title={typeName(type)}
                onClick={() => onChange([...list, newElement(type, list)])}><ElementIcon type={type} /> {typeName(type)}</button>
            ))}
          </div>
        </>
      )}
    </fieldset>
  );
}
