// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { BoolToggle, FloatSlider } from './controls';

/** The controls of one parameter group, labelled with the plugin's group name. */
export function Filter638E24Controls(): ReactElement {
  return (
    <fieldset className="wc-group">
      <legend>{"Filter"}</legend>
      <BoolToggle id="class" />
      <FloatSlider id="type" />
    </fieldset>
  );
}
