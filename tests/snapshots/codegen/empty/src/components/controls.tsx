// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import { useId, useState, type ReactElement } from 'react';
import {
  PARAMETERS_BY_ID,
  type BoolParameterId,
  type EnumParameterId,
  type FloatParameterId,
  type ParameterSpec,
} from '../generated/parameters';

// Values live in local state for now; wire them to the host when the bridge exists.
// The explicit ParameterSpec annotations keep this file valid when a kind of parameter
// does not exist (its id type is then `never`).

function formatValue(value: number, unit: string | undefined): string {
  const text = Number.isInteger(value) ? String(value) : value.toPrecision(3);
  return unit === undefined ? text : `${text} ${unit}`;
}

/** A slider for a float parameter, from min to max in 1000 steps. */
export function FloatSlider({ id }: { readonly id: FloatParameterId }): ReactElement {
  const spec: ParameterSpec = PARAMETERS_BY_ID[id];
  const inputId = useId();
  const [value, setValue] = useState<number>(spec.default);
  return (
    <div className="wc-control wc-slider">
      <label htmlFor={inputId}>{spec.name}</label>
      <input
        id={inputId}
        type="range"
        min={spec.min}
        max={spec.max}
        step={(spec.max - spec.min) / 1000 || 1}
        value={value}
        onChange={(event) => setValue(event.currentTarget.valueAsNumber)}
      />
      <output htmlFor={inputId}>{formatValue(value, spec.unit)}</output>
    </div>
  );
}

/** A checkbox for an on/off parameter. */
export function BoolToggle({ id }: { readonly id: BoolParameterId }): ReactElement {
  const spec: ParameterSpec = PARAMETERS_BY_ID[id];
  const inputId = useId();
  const [on, setOn] = useState<boolean>(spec.default >= 0.5);
  return (
    <div className="wc-control wc-toggle">
      <input
        id={inputId}
        type="checkbox"
        checked={on}
        onChange={(event) => setOn(event.currentTarget.checked)}
      />
      <label htmlFor={inputId}>{spec.name}</label>
    </div>
  );
}

/** A select for a choice parameter; the value is the variant's index. */
export function EnumSelect({ id }: { readonly id: EnumParameterId }): ReactElement {
  const spec: ParameterSpec = PARAMETERS_BY_ID[id];
  const inputId = useId();
  const [index, setIndex] = useState<number>(spec.default);
  return (
    <div className="wc-control wc-select">
      <label htmlFor={inputId}>{spec.name}</label>
      <select
        id={inputId}
        value={index}
        onChange={(event) => setIndex(Number(event.currentTarget.value))}
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
