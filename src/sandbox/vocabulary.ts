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

export const TASK_TEXTS: Record<string, string[]> = {
  RATING_SCALE: [
    "How easy was it to find what you were looking for?",
    "Rate how confident you felt completing the purchase.",
    "¿Qué tan clara fue la información de precios?",
  ],
  MULTIPLE_CHOICE: [
    "Which of these plans would you choose?",
    "What did you notice first on this page?",
    "Welche Zahlungsart bevorzugen Sie?",
  ],
  WRITTEN_RESPONSE: [
    "In your own words, what does this product do?",
    "What, if anything, was confusing?",
    "Describe the last time you ordered food online.",
  ],
  NET_PROMOTER_SCORE: ["How likely are you to recommend this app to a friend or colleague?"],
  VERBAL_RESPONSE: [
    "Talk us through what you expect to happen when you tap 'Continue'.",
    "Think out loud as you compare the two plans.",
  ],
  MATRIX: ["Rate each feature for importance and satisfaction."],
  CARD_SORT: ["Sort these menu items into groups that make sense to you."],
  NAVIGATION: ["Find a pair of running shoes under $100 and add them to your cart."],
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

export const DEMOGRAPHICS: ReadonlyArray<{ code: string; label: string; type: string; values: string[] }> = [
  { code: "AGE", label: "Age", type: "RANGE", values: ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] },
  {
    code: "GENDER",
    label: "Gender",
    type: "SINGLE_SELECT",
    values: ["Female", "Male", "Non-binary", "Prefer not to say"],
  },
  {
    code: "COUNTRY",
    label: "Country",
    type: "SINGLE_SELECT",
    values: ["United States", "Canada", "Deutschland", "日本", "España", "Brasil"],
  },
  {
    code: "INCOME",
    label: "Household income",
    type: "RANGE",
    values: ["<$25k", "$25k-$50k", "$50k-$100k", "$100k+"],
  },
  {
    code: "EMPLOYMENT",
    label: "Employment status",
    type: "SINGLE_SELECT",
    values: ["Full-time", "Part-time", "Self-employed", "Student", "Retired"],
  },
  {
    code: "DEVICE",
    label: "Primary device",
    type: "SINGLE_SELECT",
    values: ["Desktop", "Smartphone", "Tablet"],
  },
  {
    code: "WEB_EXPERTISE",
    label: "Web expertise",
    type: "SCALE",
    values: ["Beginner", "Average", "Advanced"],
  },
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
