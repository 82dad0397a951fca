// How a step activity's final failure carries the attempt number to the workflow (see activities/common/step-wrapper).
export interface FailedAttemptDetails {
  attempt: number;
  details?: string[];
}
