/*
 * Arshif CI helper: a tiny Elasticsearch plugin for the integ-test-zip node.
 *
 * The Elasticsearch integ-test-zip published on Maven Central ships without the
 * analysis-common and rest-root modules. This plugin registers, under the same
 * names, the few analysis components Arshif needs, built directly on the Lucene
 * classes that already sit in the node's lib/ directory (lucene-analysis-common),
 * plus a minimal "GET /" / "HEAD /" info endpoint so that clients can read the
 * version. It is compiled at install time by .ci/engines.sh against the node's own
 * jars; nothing here is copied from Elasticsearch's modules.
 */
package org.arshif.esshim;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.fa.PersianNormalizationFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceFilter;
import org.elasticsearch.Build;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.env.Environment;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.Reader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

public class ArshifShimPlugin extends Plugin implements AnalysisPlugin, ActionPlugin {

    private volatile ClusterService clusterService;

    @Override
    public Collection<?> createComponents(PluginServices services) {
        this.clusterService = services.clusterService();
        return List.of();
    }

    // ---------------------------------------------------------------- analysis

    /** A token filter factory built from a lambda; optionally usable in normalizers. */
    static final class SimpleFilter extends AbstractTokenFilterFactory {
        private final Function<TokenStream, TokenStream> fn;
        SimpleFilter(String name, Settings settings, Function<TokenStream, TokenStream> fn) {
            super(name, settings);
            this.fn = fn;
        }
        @Override
        public TokenStream create(TokenStream in) {
            return fn.apply(in);
        }
    }

    static final class NormalizingFilter extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final Function<TokenStream, TokenStream> fn;
        NormalizingFilter(String name, Settings settings, Function<TokenStream, TokenStream> fn) {
            super(name, settings);
            this.fn = fn;
        }
        @Override
        public TokenStream create(TokenStream in) {
            return fn.apply(in);
        }
    }

    /** The `pattern` of a pattern_replace char or token filter (both require one). */
    static Pattern patternOf(Settings settings) {
        String p = settings.get("pattern");
        if (p == null) {
            throw new IllegalArgumentException("pattern_replace requires `pattern`");
        }
        return Pattern.compile(p);
    }

    private static AnalysisProvider<TokenFilterFactory> normalizing(Function<TokenStream, TokenStream> fn) {
        return (indexSettings, env, name, settings) -> new NormalizingFilter(name, settings, fn);
    }

    private static AnalysisProvider<TokenFilterFactory> plain(Function<TokenStream, TokenStream> fn) {
        return (indexSettings, env, name, settings) -> new SimpleFilter(name, settings, fn);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> m = new TreeMap<>();
        m.put("arabic_normalization", normalizing(ArabicNormalizationFilter::new));
        m.put("persian_normalization", normalizing(PersianNormalizationFilter::new));
        m.put("decimal_digit", normalizing(DecimalDigitFilter::new));
        m.put("arabic_stem", plain(ArabicStemFilter::new));
        m.put("porter_stem", plain(PorterStemFilter::new));
        // Only the possessive English "stemmer" (strips 's), which mappings/articles.json uses.
        m.put("stemmer", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, settings) -> {
            String language = settings.get("language", settings.get("name", "english"));
            if (!"possessive_english".equals(language)) {
                throw new IllegalArgumentException("the Arshif shim's stemmer supports only possessive_english, not " + language);
            }
            return new SimpleFilter(name, settings, EnglishPossessiveFilter::new);
        }));
        // stemmer_override ("form, form => term" rules): the known names mappings/articles.json keeps
        // away from the Arabic stemmer (same rule syntax and Lucene filter as analysis-common's).
        m.put("stemmer_override", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, settings) -> {
            List<String> rules = Analysis.getWordList(env, settings, "rules");
            if (rules == null) {
                throw new IllegalArgumentException("stemmer_override requires `rules`");
            }
            StemmerOverrideFilter.Builder b = new StemmerOverrideFilter.Builder(false);
            for (String rule : rules) {
                int arrow = rule.indexOf("=>");
                if (arrow < 0) {
                    throw new IllegalArgumentException("Invalid stemmer_override rule: [" + rule + "]");
                }
                String term = rule.substring(arrow + 2).trim();
                for (String form : rule.substring(0, arrow).split(",")) {
                    if (!form.trim().isEmpty()) {
                        b.add(form.trim(), term);
                    }
                }
            }
            final StemmerOverrideFilter.StemmerOverrideMap map;
            try {
                map = b.build();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("stemmer_override: cannot build the rules", e);
            }
            return new SimpleFilter(name, settings, in -> new StemmerOverrideFilter(in, map));
        }));
        // pattern_replace (pattern, replacement, all): Lucene's PatternReplaceFilter, the filter analysis-common's
        // factory builds; mappings/articles.json drops a year's era mark with it (2015م → 2015).
        m.put("pattern_replace", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, settings) -> {
            Pattern pattern = patternOf(settings);
            String replacement = settings.get("replacement", "");
            boolean all = settings.getAsBoolean("all", true);
            return new SimpleFilter(name, settings, in -> new PatternReplaceFilter(in, pattern, replacement, all));
        }));
        m.put("asciifolding", (indexSettings, env, name, settings) -> {
            boolean keep = settings.getAsBoolean("preserve_original", false);
            return new NormalizingFilter(name, settings, in -> new ASCIIFoldingFilter(in, keep));
        });
        return m;
    }

    static final class MappingFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private final NormalizeCharMap map;
        MappingFactory(Environment env, String name, Settings settings) {
            super(name);
            List<String> rules = Analysis.getWordList(env, settings, "mappings");
            if (rules == null) {
                throw new IllegalArgumentException("mapping requires either `mappings` or `mappings_path` to be configured");
            }
            NormalizeCharMap.Builder b = new NormalizeCharMap.Builder();
            for (String rule : rules) {
                int arrow = rule.indexOf("=>");
                if (arrow < 0) {
                    throw new IllegalArgumentException("Invalid mapping rule: [" + rule + "]");
                }
                String from = unescape(rule.substring(0, arrow).trim());
                String to = unescape(rule.substring(arrow + 2).trim());
                if (from.isEmpty()) {
                    throw new IllegalArgumentException("Invalid mapping rule (empty source): [" + rule + "]");
                }
                b.add(from, to);
            }
            this.map = b.build();
        }
        @Override
        public Reader create(Reader reader) {
            return new MappingCharFilter(map, reader);
        }
    }

    /** Unescapes \\uXXXX, \\n, \\t, \\r, \\b, \\f and backslash-escaped characters. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 4 >= s.length()) {
                        throw new IllegalArgumentException("Invalid unicode escape in [" + s + "]");
                    }
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(n);
            }
        }
        return out.toString();
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        Map<String, AnalysisProvider<CharFilterFactory>> m = new TreeMap<>();
        m.put("mapping", AnalysisPlugin.requiresAnalysisSettings(
            (indexSettings, env, name, settings) -> new MappingFactory(env, name, settings)));
        m.put("html_strip", (indexSettings, env, name, settings) -> new AbstractCharFilterFactory(name) {
            @Override
            public Reader create(Reader reader) {
                return new HTMLStripCharFilter(reader);
            }
        });
        m.put("pattern_replace", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, settings) -> {
            Pattern pattern = patternOf(settings);
            String replacement = settings.get("replacement", "");
            return new NormalizingPatternReplace(name, pattern, replacement);
        }));
        return m;
    }

    static final class NormalizingPatternReplace extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private final Pattern pattern;
        private final String replacement;
        NormalizingPatternReplace(String name, Pattern pattern, String replacement) {
            super(name);
            this.pattern = pattern;
            this.replacement = replacement;
        }
        @Override
        public Reader create(Reader reader) {
            return new PatternReplaceCharFilter(pattern, replacement, reader);
        }
    }

    private static AnalysisProvider<TokenizerFactory> tokenizer(Supplier<Tokenizer> s) {
        return (indexSettings, env, name, settings) -> new AbstractTokenizerFactory(indexSettings, settings, name) {
            @Override
            public Tokenizer create() {
                return s.get();
            }
        };
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> m = new TreeMap<>();
        m.put("whitespace", tokenizer(WhitespaceTokenizer::new));
        m.put("keyword", tokenizer(KeywordTokenizer::new));
        return m;
    }

    static final class Provider<T extends Analyzer> extends AbstractIndexAnalyzerProvider<T> {
        private final T analyzer;
        Provider(String name, Settings settings, T analyzer) {
            super(name, settings);
            this.analyzer = analyzer;
        }
        @Override
        public T get() {
            return analyzer;
        }
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> m = new TreeMap<>();
        m.put("arabic", (indexSettings, env, name, settings) -> {
            CharArraySet stop = Analysis.parseStopWords(env, settings, ArabicAnalyzer.getDefaultStopSet());
            CharArraySet excl = Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET);
            return new Provider<>(name, settings, new ArabicAnalyzer(stop, excl));
        });
        m.put("english", (indexSettings, env, name, settings) -> {
            CharArraySet stop = Analysis.parseStopWords(env, settings, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
            CharArraySet excl = Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET);
            return new Provider<>(name, settings, new EnglishAnalyzer(stop, excl));
        });
        return m;
    }

    // ---------------------------------------------------------------- GET /

    final class RootHandler extends BaseRestHandler {
        @Override
        public String getName() {
            return "arshif_shim_root";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                if (request.method() == RestRequest.Method.HEAD) {
                    channel.sendResponse(new RestResponse(RestStatus.OK, "text/plain; charset=UTF-8", ""));
                    return;
                }
                ClusterState state = clusterService.state();
                Build build = Build.current();
                IndexVersion iv = IndexVersion.current();
                XContentBuilder b = channel.newBuilder();
                b.startObject();
                b.field("name", clusterService.getNodeName());
                b.field("cluster_name", state.getClusterName().value());
                b.field("cluster_uuid",
                    state.metadata().clusterUUIDCommitted() ? state.metadata().clusterUUID() : Metadata.UNKNOWN_CLUSTER_UUID);
                b.startObject("version");
                b.field("number", build.qualifiedVersion());
                b.field("build_flavor", "default");
                b.field("build_type", build.type().displayName());
                b.field("build_hash", build.hash());
                b.field("build_date", build.date());
                b.field("build_snapshot", build.isSnapshot());
                b.field("lucene_version", iv.luceneVersion().toString());
                b.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
                b.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
                b.endObject();
                b.field("tagline", "You Know, for Search");
                b.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, b));
            };
        }
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        List<RestHandler> handlers = new ArrayList<>();
        handlers.add(new RootHandler());
        return handlers;
    }
}
