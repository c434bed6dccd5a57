// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import { useId, type ReactElement } from 'react';
import { useParameter } from '../generated/hooks';
import { formatValue, sliderStep } from '../generated/panel';
import type {
  BoolParameterId,
  EnumParameterId,
  FloatParameterId,
  ParameterId,
} from '../generated/parameters';

// Each control reads and sets its parameter on the dev engine through useParameter (the
// value moves at once and rolls back if the engine refuses it). Every control carries
// data-param-id: tests and the generated panel find controls by it. A parameter this page
// shows through useParameter is left out of the generated "More parameters" panel.

/** Shown instead of a control whose parameter a hot reload removed (no exception). */
function Removed({ id }: { readonly id: ParameterId }): ReactElement {
  return (
    <div className="wc-control wc-removed" data-param-id={id}>
      {id}: no longer in the plugin
    </div>
  );
}

/** A slider for a float parameter, from min to max. */
export function FloatSlider({ id }: { readonly id: FloatParameterId }): ReactElement {
  const { spec, value, set } = useParameter(id);
  const inputId = useId();
  if (spec === undefined) return <Removed id={id} />;
  return (
    <div className="wc-control wc-slider" data-param-id={id}>
      <label htmlFor={inputId}>{spec.name}</label>
      <input
        id={inputId}
        type="range"
        min={spec.min}
        max={spec.max}
        step={sliderStep(spec.min, spec.max)}
        value={value}
        onChange={(event) => set(event.currentTarget.valueAsNumber)}
      />
      <output htmlFor={inputId}>{formatValue(value, spec.unit)}</output>
    </div>
  );
}

/** A checkbox for an on/off parameter (0 or 1). */
export function BoolToggle({ id }: { readonly id: BoolParameterId }): ReactElement {
  const { spec, value, set } = useParameter(id);
  const inputId = useId();
  if (spec === undefined) return <Removed id={id} />;
  return (
    <div className="wc-control wc-toggle" data-param-id={id}>
      <input
        id={inputId}
        type="checkbox"
        checked={value >= 0.5}
        onChange={(event) => set(event.currentTarget.checked ? 1 : 0)}
      />
      <label htmlFor={inputId}>{spec.name}</label>
    </div>
  );
}

/** A select for a choice parameter; the value is the variant's index. */
export function EnumSelect({ id }: { readonly id: EnumParameterId }): ReactElement {
  const { spec, value, set } = useParameter(id);
  const inputId = useId();
  if (spec === undefined) return <Removed id={id} />;
  return (
    <div className="wc-control wc-select" data-param-id={id}>
      <label htmlFor={inputId}>{spec.name}</label>
      <select
        id={inputId}
        value={Math.round(value)}
        onChange={(event) => set(Number(event.currentTarget.value))}
      >
        {(spec.variants ?? []).map((variant, i) => (
          <option key={i} value={i}>
            {variant}
          </option>
        ))}
      </select>
    </div>
  );
}
