// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { BoolToggle, EnumSelect } from './controls';

/** The controls of one parameter group, labelled with the plugin's group name. */
export function Group5EC1F7Controls(): ReactElement {
  return (
    <fieldset className="wc-group">
      <legend>{".."}</legend>
      <EnumSelect id="true" />
      <BoolToggle id="yield" />
    </fieldset>
  );
}
