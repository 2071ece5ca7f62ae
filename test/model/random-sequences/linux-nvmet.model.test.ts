import { randomSequencesAgainstChart } from './random-sequences.ts';

randomSequencesAgainstChart('linux-nvmet');
