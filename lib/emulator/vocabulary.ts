/** Word lists the synthetic world is built from. Plain data; the world picks from them with its seeded streams. */

/** Tags on a large share of all videos, whatever the topic (so a 60-day query for one of them returns thousands). */
export const POPULAR_HASHTAGS: readonly { name: string; share: number }[] = [
  { name: 'fyp', share: 0.55 },
  { name: 'foryou', share: 0.3 },
  { name: 'viral', share: 0.18 },
];

/** Topic tags, most popular first, each with words its descriptions are made of. */
export const TOPICS: readonly { hashtag: string; words: readonly string[] }[] = [
  { hashtag: 'news', words: ['breaking', 'update', 'report', 'today', 'headline'] },
  { hashtag: 'climate', words: ['heatwave', 'emissions', 'flood', 'warming', 'carbon'] },
  { hashtag: 'recipe', words: ['pasta', 'easy', 'dinner', 'garlic', 'oven'] },
  { hashtag: 'election', words: ['vote', 'ballot', 'candidate', 'debate', 'polls'] },
  { hashtag: 'football', words: ['goal', 'derby', 'keeper', 'league', 'penalty'] },
  { hashtag: 'music', words: ['cover', 'guitar', 'remix', 'chorus', 'live'] },
  { hashtag: 'dance', words: ['choreo', 'trend', 'moves', 'duet', 'tutorial'] },
  { hashtag: 'comedy', words: ['skit', 'prank', 'joke', 'pov', 'awkward'] },
  { hashtag: 'fashion', words: ['outfit', 'thrift', 'haul', 'style', 'vintage'] },
  { hashtag: 'beauty', words: ['makeup', 'routine', 'glow', 'lipstick', 'look'] },
  { hashtag: 'travel', words: ['beach', 'roadtrip', 'hostel', 'flight', 'island'] },
  { hashtag: 'food', words: ['street', 'taste', 'snack', 'spicy', 'brunch'] },
  { hashtag: 'fitness', words: ['workout', 'gym', 'squat', 'cardio', 'gains'] },
  { hashtag: 'gaming', words: ['speedrun', 'boss', 'stream', 'clutch', 'patch'] },
  { hashtag: 'science', words: ['experiment', 'physics', 'space', 'cells', 'lab'] },
  { hashtag: 'politics', words: ['parliament', 'policy', 'minister', 'reform', 'budget'] },
  { hashtag: 'education', words: ['lesson', 'exam', 'study', 'notes', 'teacher'] },
  { hashtag: 'pets', words: ['puppy', 'kitten', 'vet', 'rescue', 'cuddle'] },
  { hashtag: 'booktok', words: ['novel', 'chapter', 'author', 'reread', 'fantasy'] },
  { hashtag: 'tech', words: ['gadget', 'unboxing', 'laptop', 'review', 'setup'] },
  { hashtag: 'ai', words: ['chatbot', 'model', 'prompt', 'deepfake', 'generated'] },
  { hashtag: 'health', words: ['sleep', 'doctor', 'vitamins', 'symptoms', 'clinic'] },
  { hashtag: 'mentalhealth', words: ['anxiety', 'therapy', 'selfcare', 'burnout', 'talk'] },
  { hashtag: 'diy', words: ['build', 'repair', 'paint', 'woodwork', 'hack'] },
  { hashtag: 'nature', words: ['forest', 'hike', 'birds', 'mountain', 'river'] },
  { hashtag: 'history', words: ['empire', 'war', 'museum', 'ancient', 'archive'] },
  { hashtag: 'sustainability', words: ['recycle', 'zerowaste', 'solar', 'compost', 'reuse'] },
  { hashtag: 'protest', words: ['march', 'rally', 'strike', 'crowd', 'police'] },
  { hashtag: 'memes', words: ['relatable', 'cursed', 'template', 'lol', 'mood'] },
  { hashtag: 'skincare', words: ['serum', 'spf', 'acne', 'moisturiser', 'cleanser'] },
  { hashtag: 'learnontiktok', words: ['facts', 'explained', 'tips', 'howto', 'lifehack'] },
  { hashtag: 'cars', words: ['engine', 'drift', 'restoration', 'ev', 'detailing'] },
  { hashtag: 'anime', words: ['episode', 'cosplay', 'manga', 'opening', 'fanart'] },
  { hashtag: 'art', words: ['sketch', 'canvas', 'watercolour', 'process', 'mural'] },
  { hashtag: 'parenting', words: ['toddler', 'bedtime', 'school', 'mom', 'dad'] },
  { hashtag: 'finance', words: ['budgeting', 'savings', 'stocks', 'rent', 'inflation'] },
  { hashtag: 'ukraine', words: ['kyiv', 'aid', 'frontline', 'refugees', 'ceasefire'] },
];

/** Region codes weighted roughly by how often they appear in research samples. */
export const REGIONS: readonly { code: string; weight: number }[] = [
  { code: 'US', weight: 30 }, { code: 'GB', weight: 8 }, { code: 'DE', weight: 7 }, { code: 'FR', weight: 6 },
  { code: 'IT', weight: 5 }, { code: 'ES', weight: 5 }, { code: 'BR', weight: 6 }, { code: 'MX', weight: 4 },
  { code: 'ID', weight: 4 }, { code: 'PH', weight: 3 }, { code: 'JP', weight: 3 }, { code: 'TR', weight: 3 },
  { code: 'NL', weight: 2 }, { code: 'PL', weight: 2 }, { code: 'SE', weight: 1 }, { code: 'AT', weight: 1 },
  { code: 'BE', weight: 1 }, { code: 'IE', weight: 1 }, { code: 'PT', weight: 1 }, { code: 'RO', weight: 1 },
  { code: 'DK', weight: 1 }, { code: 'FI', weight: 1 }, { code: 'CH', weight: 1 }, { code: 'AU', weight: 2 },
  { code: 'CA', weight: 2 }, { code: 'KR', weight: 1 }, { code: 'NG', weight: 1 }, { code: 'ZA', weight: 1 },
  { code: 'EG', weight: 1 }, { code: 'IN', weight: 1 },
];

export const ADJECTIVES: readonly string[] = [
  'sunny', 'quiet', 'rapid', 'lucky', 'brave', 'cosmic', 'urban', 'silver', 'little', 'golden', 'wild', 'cozy',
  'daily', 'happy', 'real', 'lazy', 'bold', 'calm', 'crazy', 'fresh', 'hidden', 'honest', 'north', 'sleepy',
];

export const NOUNS: readonly string[] = [
  'fox', 'panda', 'chef', 'rider', 'owl', 'garden', 'pixel', 'river', 'cloud', 'tiger', 'baker', 'coder',
  'nomad', 'otter', 'falcon', 'mango', 'teacher', 'dancer', 'wave', 'comet', 'maple', 'lemon', 'robin', 'atlas',
];

export const FILLER_WORDS: readonly string[] = [
  'this', 'is', 'my', 'new', 'favourite', 'day', 'wait', 'for', 'it', 'part', 'story', 'time', 'you', 'need',
  'to', 'see', 'how', 'we', 'did', 'the', 'best', 'ever', 'honestly', 'finally',
];

export const EFFECT_NAMES: readonly string[] = [
  'Green Screen', 'Time Warp Scan', 'Bold Glamour', 'Slow Zoom', 'Inverted', 'Aged', 'Teenage Look', 'Sparkle',
  'Blur', 'Clone Trio', 'Vintage Film', 'Big Eyes', 'Mirror', 'Light Leak', 'Glitch', 'Retro VHS',
];

export const STICKER_NAMES: readonly string[] = [
  'Poll', 'Question', 'Location', 'Mention', 'Countdown', 'Link', 'Quiz', 'GIF', 'Emoji Slider', 'Add Yours',
];

export const VIDEO_LABELS: readonly string[] = [
  'Creator labeled as AI-generated', 'Content may be unverified', 'Learn more about elections', 'Paid partnership',
];

/** EU/EEA + GB + CH: the Commercial Content API's countries, weighted roughly by market size. */
export const AD_MARKETS: readonly { code: string; weight: number }[] = [
  { code: 'DE', weight: 18 }, { code: 'FR', weight: 14 }, { code: 'GB', weight: 14 }, { code: 'IT', weight: 12 },
  { code: 'ES', weight: 10 }, { code: 'PL', weight: 8 }, { code: 'NL', weight: 6 }, { code: 'RO', weight: 4 },
  { code: 'BE', weight: 4 }, { code: 'SE', weight: 4 }, { code: 'AT', weight: 3 }, { code: 'CH', weight: 3 },
  { code: 'PT', weight: 3 }, { code: 'CZ', weight: 3 }, { code: 'GR', weight: 3 }, { code: 'HU', weight: 3 },
  { code: 'IE', weight: 2 }, { code: 'DK', weight: 2 }, { code: 'FI', weight: 2 }, { code: 'NO', weight: 2 },
  { code: 'SK', weight: 1 }, { code: 'BG', weight: 1 }, { code: 'HR', weight: 1 }, { code: 'LT', weight: 1 },
  { code: 'SI', weight: 1 }, { code: 'LV', weight: 1 }, { code: 'EE', weight: 1 }, { code: 'CY', weight: 1 },
  { code: 'LU', weight: 1 }, { code: 'MT', weight: 1 }, { code: 'IS', weight: 1 }, { code: 'LI', weight: 1 },
];

export const AD_COUNTRIES: readonly string[] = AD_MARKETS.map((m) => m.code);

export const COMPANY_STEMS: readonly string[] = [
  'Bean', 'Nordlicht', 'Alpen', 'Sol', 'Blue Harbour', 'Vita', 'Kite', 'Urban Roots', 'Helix', 'Maison Claire',
  'Fjord', 'Lumen', 'Rapid', 'Green Leaf', 'Piccolo', 'Stellar', 'Oak & Iron', 'Mosaic', 'Polar', 'Terra',
];

export const COMPANY_SUFFIXES: readonly string[] = ['Co.', 'GmbH', 'SAS', 'S.p.A.', 'B.V.', 'Ltd', 'AB', 'S.L.', 'Group', 'Studio'];

/** What the ads are about; search_term matches these and the advertiser's name. */
export const AD_PRODUCTS: readonly string[] = [
  'coffee', 'sneakers', 'headphones', 'skincare', 'insurance', 'streaming', 'mobile game', 'energy drink', 'bank',
  'furniture', 'fashion sale', 'language app', 'car lease', 'vacation', 'pet food', 'charity appeal', 'concert',
];

export const INTERESTS: readonly string[] = [
  'News & Entertainment', 'Games', 'Beauty & Personal Care', 'Food & Beverage', 'Travel', 'Sports & Outdoors',
  'Financial Services', 'Apparel & Accessories', 'Tech & Electronics', 'Pets',
];
