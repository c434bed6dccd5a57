// Which template made this project: an instrument, so the page shows the on-screen
// keyboard (src/generated/keyboard.tsx): mouse, touch, computer keys and Web MIDI.
export const INSTRUMENT: boolean = true;
