package dev.maejvm.train.events;

/** How a run ended (the names are MLflow's run statuses). */
public enum RunStatus {
    FINISHED,
    FAILED,
    KILLED
}
