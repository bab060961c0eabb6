/** Words the generator draws from. Deliberately multilingual: a loader must keep every byte. */

export const WORKSPACE_NAMES = [
  "Product Research",
  "Growth & Onboarding",
  "Équipe Design — Paris",
  "Mobile Apps",
  "Checkout Experience",
  "研究チーム",
  "Customer Insights",
  "Marketing Site",
];

export const PEOPLE = [
  { name: "Blair Fraser", email: "blair.fraser@example.com" },
  { name: "Rosa Smith", email: "rosa.smith@example.com" },
  { name: "José Müller", email: "jose.muller@example.com" },
  { name: "Zoë Ångström", email: "zoe.angstrom@example.com" },
  { name: "渡辺 健", email: "ken.watanabe@example.com" },
  { name: "Priya Raman", email: null },
  { name: "Oğuz Kaya", email: "oguz.kaya@example.com" },
];

export const TITLE_SUBJECTS = [
  "Checkout flow",
  "Onboarding",
  "Pricing page",
  "Search results",
  "Mobile navigation",
  "Account settings",
  "Café finder prototype",
  "Naïve users: first login",
  "Panier d'achat",
  "Dashboard redesign",
  "Returns policy",
  "ヘルプセンター",
];

export const TITLE_FRAMES = [
  "{s} study",
  "{s} — round {n}",
  "{s} benchmark Q{q}",
  "{s} (v{n})",
  "{s}: concept test",
];

/** Task texts by the OpenAPI's task types (TaskItemDto.type); its example is "Rate Website A". */
export const TASK_TEXTS: Record<string, string[]> = {
  BLANK: ["Imagine you are planning a weekend trip.", "Take a moment to look around before you start."],
  RATING_SCALE: [
    "Rate Website A",
    "How easy was it to find what you were looking for?",
    "¿Qué tan clara fue la información de precios?",
  ],
  MULTIPLE_CHOICE: [
    "Which of these plans would you choose?",
    "What did you notice first on this page?",
    "Welche Zahlungsart bevorzugen Sie?",
  ],
  IMAGE: ["Look at this banner for five seconds.", "Voici la nouvelle page d'accueil."],
  NPS: ["How likely are you to recommend this app to a friend or colleague?"],
  URL: [
    "Find a pair of running shoes under $100 and add them to your cart.",
    "Go to the site and sign up for the newsletter.",
  ],
  RANK_ORDER: ["Rank these flavours from favourite to least favourite."],
  WRITTEN: [
    "In your own words, what does this product do?",
    "What, if anything, was confusing?",
    "Think out loud as you compare the two plans.",
  ],
  FIGMA: ["Use the prototype to book a table for two.", "Parcourez le prototype et trouvez l'aide."],
  MATRIX: ["Rate each feature for importance and satisfaction."],
  UNRECOGNIZED: ["Card sort: group these menu items."],
};

export const CHOICES = [
  "Basic",
  "Pro",
  "Enterprise",
  "Credit card",
  "PayPal",
  "Apple Pay",
  "Logo",
  "Hero image",
  "Price",
  "None of the above",
];

export const WRITTEN_ANSWERS = [
  "It helps me compare prices across stores.",
  "I wasn't sure where the 'Next' button was 🤔",
  "Très bien, mais un peu lent.",
  "The shipping cost appeared too late — at the very end.",
  "とても使いやすかったです。",
  'It said "free trial" but asked for my card, which felt off.',
  "Line one.\nLine two, after a line break.",
  "",
];

/**
 * Demographic questions. `type` is the guides' reading (the sandbox's own names: the guides show
 * none); `multiple` picks DEMOGRAPHIC_QUESTION_TYPE_MULTIPLE in the OpenAPI's reading, whose
 * description names GENDER, AGE_GROUP, INTERESTS and INCOME.
 */
export const DEMOGRAPHICS: ReadonlyArray<{
  code: string;
  label: string;
  type: string;
  multiple: boolean;
  values: string[];
}> = [
  {
    code: "AGE_GROUP",
    label: "Age",
    type: "RANGE",
    multiple: false,
    values: ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
  },
  {
    code: "GENDER",
    label: "What is your gender?",
    type: "SINGLE_SELECT",
    multiple: false,
    values: ["Female", "Male", "Non-binary", "Prefer not to say"],
  },
  {
    code: "COUNTRY",
    label: "Country",
    type: "SINGLE_SELECT",
    multiple: false,
    values: ["United States", "Canada", "Deutschland", "日本", "España", "Brasil"],
  },
  {
    code: "INCOME",
    label: "Household income",
    type: "RANGE",
    multiple: false,
    values: ["<$25k", "$25k-$50k", "$50k-$100k", "$100k+"],
  },
  {
    code: "EMPLOYMENT",
    label: "Employment status",
    type: "SINGLE_SELECT",
    multiple: false,
    values: ["Full-time", "Part-time", "Self-employed", "Student", "Retired"],
  },
  {
    code: "INTERESTS",
    label: "Which of these are you interested in?",
    type: "MULTI_SELECT",
    multiple: true,
    values: ["Cooking", "Travel", "Gaming", "Fitness", "Musique", "読書", "Photography"],
  },
  {
    code: "DEVICE",
    label: "Devices you own",
    type: "MULTI_SELECT",
    multiple: true,
    values: ["Desktop", "Smartphone", "Tablet", "Smartwatch"],
  },
  {
    code: "WEB_EXPERTISE",
    label: "Web expertise",
    type: "SCALE",
    multiple: false,
    values: ["Beginner", "Average", "Advanced"],
  },
];

/** Rank-order options (the OpenAPI's example: Chocolate, Strawberry, Vanilla, Mint Chocolate). */
export const RANK_OPTIONS = ["Chocolate", "Strawberry", "Vanilla", "Mint Chocolate", "Pistache", "抹茶"];

export const SITE_URLS = [
  "https://www.example.com/",
  "https://shop.example.com/running?sort=price",
  "https://café.example.fr/menu",
];

export const IMAGE_URLS = [
  "https://assets.example.com/study/banner-a.png",
  "https://assets.example.com/study/homepage-v2.jpg",
];

export const FIGMA_PROTOTYPES = [
  { title: "Checkout v3", url: "https://www.figma.com/proto/Xy12AbCdEf/Checkout-v3" },
  { title: "Café finder — mobile", url: "https://www.figma.com/proto/Qw98ZxYv/Cafe-finder" },
];

export const CLIP_DESCRIPTIONS = [
  "Struggles to find the cart",
  "Maurice's awesome review",
  "Confusion at the pricing step 🤔",
  "Aime beaucoup la page d'accueil",
];

export const REEL_NAMES = [
  "Checkout highlights",
  "Moments of confusion",
  "Delight 😊",
  "Navigation pain points",
  "Résumé pour l'équipe",
];

export const TRANSCRIPT_LINES = [
  "Okay.",
  "So I'm on the home page now.",
  "I'm looking for the search bar… there it is.",
  "Hmm, I expected the price to show here.",
  "Let me try scrolling down.",
  "That's a bit confusing, to be honest.",
  "Oh, nice — it remembered my address.",
  "I'd probably click on 'Plans & Pricing' next.",
  "Wait, where did the cart go?",
  "C'est plutôt clair, je pense.",
  "I like that it's fast.",
  "This button says Continue but I'm not sure what it'll do.",
  "Yeah.",
  "I think I'm done with this task.",
  "Can you see my screen okay?",
  "The font is really small on my phone.",
];

export const MODERATOR_LINES = [
  "Thanks for joining today. Can you hear me all right?",
  "What are you thinking right now?",
  "Could you say more about that?",
  "Please go ahead and start the first task.",
  "What would you expect to happen next?",
];
