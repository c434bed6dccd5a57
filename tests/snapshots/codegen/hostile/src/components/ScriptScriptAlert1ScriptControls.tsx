// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { BoolToggle } from './controls';

/** The controls of one parameter group, labelled with the plugin's group name. */
export function ScriptScriptAlert1ScriptControls(): ReactElement {
  return (
    <fieldset className="wc-group">
      <legend>{"</script><script>alert(1)</script>"}</legend>
      <BoolToggle id="class_" />
    </fieldset>
  );
}
