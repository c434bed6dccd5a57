// Which template made this project. An instrument's page shows the on-screen keyboard
// (src/generated/keyboard.tsx); set this to true if your effect takes notes too.
export const INSTRUMENT: boolean = false;
