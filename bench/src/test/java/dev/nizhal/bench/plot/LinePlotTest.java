package dev.nizhal.bench.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {

    @Test
    void writesAnImageOf800By500WithTheSeriesDrawn(@TempDir Path dir) throws Exception {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("median", List.of(new double[] {10_000, 8.0}, new double[] {100_000, 9.0}, new double[] {1e6, 8.5}));
        series.put("p90", List.of(new double[] {10_000, 12.0}, new double[] {100_000, 13.0}, new double[] {1e6, 12.5}));
        Path png = dir.resolve("plots/cost.png");

        LinePlot.write(png, "cost", "rows", "ms", series, true);

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        // the two series are drawn in colours of their own: more than the white, grey and black of an empty chart
        long colours = Arrays.stream(image.getRGB(0, 0, 800, 500, null, 0, 800))
                .filter(rgb -> {
                    int r = rgb >> 16 & 0xff;
                    int g = rgb >> 8 & 0xff;
                    int b = rgb & 0xff;
                    return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60;
                })
                .count();
        assertThat(colours).isGreaterThan(500);
    }

    @Test
    void refusesANonPositiveXOnALogAxis(@TempDir Path dir) {
        assertThatThrownBy(() -> LinePlot.write(
                        dir.resolve("x.png"), "t", "x", "y", Map.of("s", List.<double[]>of(new double[] {0, 1})), true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
