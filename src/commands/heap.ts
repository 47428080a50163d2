export { collectGarbagePeriodically } from '../fast/heap';
