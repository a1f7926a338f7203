package dev.maejvm.vit.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maejvm.vit.io.SafeTensors;
import dev.maejvm.vit.model.MaeConfig;
import dev.maejvm.vit.model.MaskedAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Names, layouts and the errors of weight loading. */
class StateDictTest {
    @TempDir
    Path dir;

    MaskedAutoencoder micro() {
        return MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.FLOAT, 1);
    }

    @Test
    void namesAndLayoutsAreTimms() {
        Map<String, INDArray> sd = StateDict.of(micro());
        assertArrayEquals(new long[] {32, 1, 4, 4}, sd.get("patch_embed.proj.weight").shape());
        assertArrayEquals(new long[] {96, 32}, sd.get("blocks.1.attn.qkv.weight").shape());
        assertArrayEquals(new long[] {128, 32}, sd.get("blocks.0.mlp.fc1.weight").shape());
        assertArrayEquals(new long[] {1, 17, 32}, sd.get("pos_embed").shape());
        assertArrayEquals(new long[] {1, 1, 32}, sd.get("mask_token").shape());
        assertArrayEquals(new long[] {16, 32}, sd.get("decoder_pred.weight").shape());
        Map<String, INDArray> enc = StateDict.encoderOnly(sd);
        assertTrue(enc.containsKey("cls_token") && enc.containsKey("norm.weight") && enc.containsKey("pos_embed"));
        assertTrue(enc.keySet().stream().noneMatch(k -> k.startsWith("decoder") || k.equals("mask_token")), enc.keySet().toString());
    }

    @Test
    void aMissingKeyOrWrongShapeIsAnErrorNamingIt() throws IOException {
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDict.of(micro()));
        sd.remove("blocks.1.norm2.bias");
        sd.put("decoder_embed.weight", Nd4j.create(DataType.FLOAT, 32, 31));
        sd.put("head.weight", Nd4j.create(DataType.FLOAT, 10, 32));
        Path file = dir.resolve("bad.safetensors");
        SafeTensors.write(file, sd, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.load(file, micro()));
        assertTrue(e.getMessage().contains("missing key blocks.1.norm2.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("decoder_embed.weight: shape [32, 31] in the file, [32, 32] in the model"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected key head.weight"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    /** The tables come after every parameter in the file; a wrong one must still leave the model as it was. */
    @Test
    void aWrongPositionTableIsNamedAndChangesNothing() throws IOException {
        MaskedAutoencoder source = MaskedAutoencoder.create(MaeConfig.preset("micro"), DataType.FLOAT, 5);
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDict.of(source));
        sd.put("pos_embed", sd.get("pos_embed").add(1));
        Path file = dir.resolve("pos.safetensors");
        SafeTensors.write(file, sd, Map.of());
        MaskedAutoencoder target = micro();
        INDArray before = target.params().values().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.load(file, target));
        assertTrue(e.getMessage().contains("pos_embed: values differ from the 2-D sin-cos table"), e.getMessage());
        assertEquals(before, target.params().values(), "no parameter was overwritten");
    }

    @Test
    void corruptFilesAreErrorsNamingTheFile() throws IOException {
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(empty, null));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        Path good = dir.resolve("good.safetensors");
        StateDict.save(good, micro(), false, Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        e = assertThrows(IOException.class, () -> SafeTensors.read(truncated, null));
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
    }

    @Test
    void encoderOnlyExportHoldsExactlyTheEncoder() throws IOException {
        MaskedAutoencoder m = micro();
        Path file = dir.resolve("encoder.safetensors");
        StateDict.save(file, m, true, Map.of());
        Map<String, INDArray> t = SafeTensors.read(file, DataType.FLOAT).tensors();
        assertEquals(StateDict.encoderOnly(StateDict.of(m)).keySet(), t.keySet());
        assertEquals(m.params().get("blocks.0.attn.proj.weight").value(), t.get("blocks.0.attn.proj.weight"));
    }
}
