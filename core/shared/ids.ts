import { v7 as uuidv7 } from "uuid";

/** Time-ordered UUIDs (v7) keep primary-key indexes append-mostly. */
export const newId = (): string => uuidv7();
