// The Clock lives in @circuitverse/shared; main.ts still imports it from here until its rework lands (issue 13).
export {type Clock, systemClock} from '@circuitverse/shared';
