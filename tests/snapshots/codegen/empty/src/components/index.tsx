// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';

/** Every parameter group's controls, in the plugin's declaration order. */
export function ParameterPanel(): ReactElement {
  return (
    <div className="wc-parameter-panel" />
  );
}
