/**
 * Names Ultron adds to a trial pod (the labels are api's LABELS, which the operator's cache indexes).
 */

/** The names Ultron adds to a trial pod; a user template that already uses one is refused. */
export const RESERVED = {
  /** The emptyDir shared by every container at POD_ULTRON_DIR. */
  volume: 'ultron',
  agentContainer: 'ultron-agent',
  restoreContainer: 'ultron-restore',
} as const;

/** `kubectl logs <pod>` shows this container when no `-c` is given (the trainer, not the agent). */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
