import { randomSequencesAgainstChart } from './random-sequences.ts';

randomSequencesAgainstChart('qemu');
