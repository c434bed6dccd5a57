// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { BoolToggle, FloatSlider } from './controls';

/** The controls of one parameter group, labelled with the plugin's group name. */
export function EtcPasswdControls(): ReactElement {
  return (
    <fieldset className="wc-group">
      <legend>{"../../../etc/passwd"}</legend>
      <BoolToggle id="null" />
      <FloatSlider id="await" />
    </fieldset>
  );
}
