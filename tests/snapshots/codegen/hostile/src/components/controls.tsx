// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { useParameter } from '../generated/hooks';
import { ParameterView } from '../generated/panel';
import type { BoolParameterId, EnumParameterId, FloatParameterId } from '../generated/parameters';

// Each control reads and sets its parameter on the dev engine through useParameter (the
// value moves at once and rolls back if the engine refuses it) and draws it with the
// generated panel's ParameterView (slider, toggle or select, data-param-id on each; a
// parameter a hot reload removed shows as such, no exception). The id types make a
// control that names a removed parameter stop compiling. Replace the view with your own
// markup whenever you like: this file is yours. A parameter this page shows through
// useParameter is left out of the generated "More parameters" panel.

/** A slider for a float parameter, from min to max. */
export function FloatSlider({ id }: { readonly id: FloatParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}

/** A checkbox for an on/off parameter (0 or 1). */
export function BoolToggle({ id }: { readonly id: BoolParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}

/** A select for a choice parameter; the value is the variant's index. */
export function EnumSelect({ id }: { readonly id: EnumParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}
