// Created once by wavecraft-build as a starting point. This file is yours: edit it
// freely; wavecraft-build never overwrites it.
import type { ReactElement } from 'react';
import { ControlsControls } from './ControlsControls';
import { EtcPasswdControls } from './EtcPasswdControls';
import { FILTERE18FCCControls } from './FILTERE18FCCControls';
import { Filter638E24Controls } from './Filter638E24Controls';
import { FilterDFC337Controls } from './FilterDFC337Controls';
import { GeneralControls } from './GeneralControls';
import { Group1stBandControls } from './Group1stBandControls';
import { Group34CA0EControls } from './Group34CA0EControls';
import { Group5EC1F7Controls } from './Group5EC1F7Controls';
import { GroupB40AA7Controls } from './GroupB40AA7Controls';
import { GroupE3B0C4Controls } from './GroupE3B0C4Controls';
import { IndexControls } from './IndexControls';
import { ScriptScriptAlert1ScriptControls } from './ScriptScriptAlert1ScriptControls';
import { XxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxControls } from './XxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxControls';

/** Every parameter group's controls, in the plugin's declaration order. */
export function ParameterPanel(): ReactElement {
  return (
    <div className="wc-parameter-panel">
      <GeneralControls />
      <Filter638E24Controls />
      <FilterDFC337Controls />
      <FILTERE18FCCControls />
      <EtcPasswdControls />
      <Group5EC1F7Controls />
      <Group1stBandControls />
      <GroupB40AA7Controls />
      <GroupE3B0C4Controls />
      <IndexControls />
      <ControlsControls />
      <Group34CA0EControls />
      <XxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxControls />
      <ScriptScriptAlert1ScriptControls />
    </div>
  );
}
