/**
 * Tasks: one module per kind of question a benchmark asks of the embeddings (classification, retrieval), each a Task (task.ts) saying what it encodes, how it scores and what it writes; one line in TASKS each.
 */
import { CLASSIFICATION } from './classification.ts';
import { RETRIEVAL } from './retrieval.ts';
import type { Task } from './task.ts';

export type { Encoded, Task } from './task.ts';

export const TASKS: readonly Task[] = [CLASSIFICATION, RETRIEVAL];

export const findTask = (name: string): Task | undefined => TASKS.find((t) => t.name === name);
