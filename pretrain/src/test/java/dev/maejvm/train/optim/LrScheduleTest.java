package dev.maejvm.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedules against their formulas. */
class LrScheduleTest {
    @Test
    void cosineIsTheOfficialHalfCycleAfterALinearWarmup() {
        LrSchedule s = new LrSchedule(1e-3, 1e-5, 2, 10);
        assertEquals(0, s.at(0), 0);
        assertEquals(0.5e-3, s.at(1), 1e-15);
        assertEquals(1e-3, s.at(2), 1e-15);
        assertEquals(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * 3 / 8)), s.at(5), 1e-15);
        assertEquals(1e-5, s.at(10), 1e-15);
    }

    @Test
    void stepDecaysTenfoldAtEachMilestoneOfTheWholeSchedule() {
        LrSchedule s = new LrSchedule(1e-4, 0, 1, 100, List.of(0.889, 0.963));
        assertEquals(0.5e-4, s.at(0.5), 1e-18);
        assertEquals(1e-4, s.at(50), 0);
        assertEquals(1e-4, s.at(88.8), 0);
        assertEquals(1e-5, s.at(88.9), 1e-18);
        assertEquals(1e-6, s.at(96.3), 1e-18);
        assertEquals(1e-6, s.at(100), 1e-18);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-4, 0, 1, 100, List.of(0.9, 0.5)));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-4, 0, 1, 100, List.of(1.0)));
    }
}
