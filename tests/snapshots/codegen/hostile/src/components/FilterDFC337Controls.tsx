// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { BoolToggle, EnumSelect } from './controls';

/** The controls of one parameter group, labelled with the plugin's group name. */
export function FilterDFC337Controls(): ReactElement {
  return (
    <fieldset className="wc-group">
      <legend>{"filter"}</legend>
      <EnumSelect id="import" />
      <BoolToggle id="enum" />
    </fieldset>
  );
}
