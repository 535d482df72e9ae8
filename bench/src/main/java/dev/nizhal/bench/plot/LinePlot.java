package dev.nizhal.bench.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's line plots: series of (x, y) points drawn as a PNG, headless (no display needed). */
public final class LinePlot {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private LinePlot() {}

    /**
     * Draws {@code series} (name to points, each point {x, y}, in the map's order) as lines with markers and writes an
     * 800x500 PNG to {@code png}, creating its folder; {@code logX} draws the x axis on a log scale (every x must then
     * be positive). The y axis starts at zero, so that a flat line looks flat.
     *
     * @throws IllegalArgumentException when a point is not {x, y}, or {@code logX} meets an x that is not positive
     */
    public static void write(
            Path png, String title, String xLabel, String yLabel, Map<String, List<double[]>> series, boolean logX)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            XYSeries line = new XYSeries(entry.getKey(), false, true);
            for (double[] point : entry.getValue()) {
                if (point.length != 2) {
                    throw new IllegalArgumentException("a point is {x, y}, got " + point.length + " values");
                }
                if (logX && !(point[0] > 0)) {
                    throw new IllegalArgumentException("a log x axis takes positive x only, got " + point[0]);
                }
                line.add(point[0], point[1]);
            }
            data.addSeries(line);
        }
        ValueAxis x;
        if (logX) {
            LogAxis log = new LogAxis(xLabel);
            log.setBase(10);
            // a tick per power of ten, labelled with its value (10,000 rather than 10^4.0)
            log.setTickUnit(new NumberTickUnit(1), false, true);
            log.setMinorTickCount(9);
            log.setMinorTickMarksVisible(true);
            log.setNumberFormatOverride(new DecimalFormat("#,##0"));
            x = log;
        } else {
            x = new NumberAxis(xLabel);
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Path folder = png.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
