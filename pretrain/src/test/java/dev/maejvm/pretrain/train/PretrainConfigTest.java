package dev.maejvm.pretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.train.config.ConfigException;
import dev.maejvm.train.config.Configs;
import dev.maejvm.vit.model.MaeConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pretraining config as dotted keys: every field round-trips, a model is given field by field. */
class PretrainConfigTest {

    @Test
    void everyPresetsDefaultsRoundTripThroughTheirKeys() {
        for (String preset : MaeConfig.PRESETS.keySet()) {
            PretrainConfig cfg = PretrainConfig.defaults(preset);
            Map<String, String> flat = cfg.flatten();
            assertEquals(cfg, PretrainConfig.fromFlat(flat), preset);
            assertTrue(flat.containsKey("model.decoderDepth") && flat.containsKey("model.encoder.embedDim"), flat.toString());
        }
    }

    @Test
    void aSweepCanSetTheDecoderDepthAndAnyModelField() {
        PretrainConfig cfg = Configs.with(PretrainConfig.defaults("tiny"),
                Map.of("model.decoderDepth", "2", "model.encoder.embedDim", "96", "maskRatio", "0.5"));
        assertEquals(2, cfg.model().decoderDepth());
        assertEquals(96, cfg.model().encoder().embedDim());
        assertEquals(0.5, cfg.maskRatio());
        assertEquals("tiny", cfg.preset());
    }

    @Test
    void anUnknownKeyOrABadValueIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Configs.with(PretrainConfig.defaults("tiny"), Map.of("model.decoderDepht", "2")));
        assertTrue(e.getMessage().contains("model.decoderDepht") && e.getMessage().contains("model.decoderDepth"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Configs.with(PretrainConfig.defaults("tiny"), Map.of("epochs", "abc")));
        assertTrue(e.getMessage().contains("epochs"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> Configs.with(PretrainConfig.defaults("tiny"), Map.of("model.encoder.numHeads", "5")));
        assertTrue(v.getMessage().contains("numHeads"), v.getMessage());
    }

    @Test
    void theFlatKeysOfOlderCheckpointsAreRead() {
        // what format /2 checkpoints stored: the preset, its normPixLoss, derived model.* keys, lr = the actual rate
        Map<String, String> old = new LinkedHashMap<>();
        old.put("preset", "micro");
        old.put("normPixLoss", "true");
        old.put("maskRatio", "0.75");
        old.put("epochs", "6");
        old.put("maxSteps", "0");
        old.put("batchSize", "32");
        old.put("accumIter", "1");
        old.put("effectiveBatch", "32");
        old.put("blr", "1.5E-4");
        old.put("lr", "0.002");
        old.put("minLr", "0.0");
        old.put("warmupEpochs", "1.0");
        old.put("weightDecay", "0.05");
        old.put("clipGrad", "0.0");
        old.put("seed", "3");
        old.put("checkpointEvery", "2");
        old.put("model.embedDim", "32");
        old.put("model.decoderDepth", "1");
        PretrainConfig cfg = PretrainConfig.fromFlat(old);
        assertEquals(MaeConfig.preset("micro").withNormPixLoss(true), cfg.model());
        assertEquals(0.002, cfg.actualLr());
        assertEquals(6, cfg.epochs());
        assertEquals(3, cfg.seed());
    }
}
