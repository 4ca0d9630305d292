/**
 * Small vocabularies the generator draws from. Emails and domains use the reserved
 * example.* names so no generated address can belong to a real person.
 */

export interface City {
  readonly name: string;
  readonly state: string;
  /** `#` → digit, `@` → upper-case letter. */
  readonly postal: string;
  readonly areaCode: string;
}

export type NameGroup = 'de' | 'fr' | 'en' | 'es' | 'it' | 'nl' | 'pl' | 'nordic' | 'pt';

export interface Country {
  readonly code: string;
  readonly weight: number;
  readonly currency: string;
  readonly dialCode: string;
  readonly names: NameGroup;
  readonly cities: readonly City[];
}

const city = (name: string, state: string, postal: string, areaCode: string): City => ({
  name,
  state,
  postal,
  areaCode,
});

export const COUNTRIES: readonly Country[] = [
  {
    code: 'DE',
    weight: 18,
    currency: 'EUR',
    dialCode: '+49',
    names: 'de',
    cities: [
      city('Berlin', 'Berlin', '10###', '30'),
      city('Hamburg', 'Hamburg', '20###', '40'),
      city('München', 'Bayern', '80###', '89'),
      city('Köln', 'Nordrhein-Westfalen', '50###', '221'),
      city('Frankfurt am Main', 'Hessen', '60###', '69'),
      city('Stuttgart', 'Baden-Württemberg', '70###', '711'),
      city('Leipzig', 'Sachsen', '04###', '341'),
    ],
  },
  {
    code: 'FR',
    weight: 12,
    currency: 'EUR',
    dialCode: '+33',
    names: 'fr',
    cities: [
      city('Paris', 'Île-de-France', '750##', '1'),
      city('Lyon', 'Auvergne-Rhône-Alpes', '690##', '4'),
      city('Marseille', "Provence-Alpes-Côte d'Azur", '130##', '4'),
      city('Toulouse', 'Occitanie', '310##', '5'),
      city('Lille', 'Hauts-de-France', '590##', '3'),
      city('Bordeaux', 'Nouvelle-Aquitaine', '330##', '5'),
    ],
  },
  {
    code: 'GB',
    weight: 12,
    currency: 'GBP',
    dialCode: '+44',
    names: 'en',
    cities: [
      city('London', 'England', 'SW1A #@@', '20'),
      city('Manchester', 'England', 'M# #@@', '161'),
      city('Birmingham', 'England', 'B# #@@', '121'),
      city('Edinburgh', 'Scotland', 'EH# #@@', '131'),
      city('Glasgow', 'Scotland', 'G# #@@', '141'),
      city('Cardiff', 'Wales', 'CF10 #@@', '29'),
      city('Bristol', 'England', 'BS# #@@', '117'),
    ],
  },
  {
    code: 'US',
    weight: 14,
    currency: 'USD',
    dialCode: '+1',
    names: 'en',
    cities: [
      city('New York', 'NY', '100##', '212'),
      city('Los Angeles', 'CA', '900##', '213'),
      city('Chicago', 'IL', '606##', '312'),
      city('Houston', 'TX', '770##', '713'),
      city('Seattle', 'WA', '981##', '206'),
      city('Boston', 'MA', '021##', '617'),
      city('Austin', 'TX', '787##', '512'),
    ],
  },
  {
    code: 'ES',
    weight: 7,
    currency: 'EUR',
    dialCode: '+34',
    names: 'es',
    cities: [
      city('Madrid', 'Comunidad de Madrid', '280##', '91'),
      city('Barcelona', 'Cataluña', '080##', '93'),
      city('Valencia', 'Comunidad Valenciana', '460##', '96'),
      city('Sevilla', 'Andalucía', '410##', '95'),
    ],
  },
  {
    code: 'IT',
    weight: 7,
    currency: 'EUR',
    dialCode: '+39',
    names: 'it',
    cities: [
      city('Roma', 'Lazio', '001##', '06'),
      city('Milano', 'Lombardia', '201##', '02'),
      city('Napoli', 'Campania', '801##', '081'),
      city('Torino', 'Piemonte', '101##', '011'),
    ],
  },
  {
    code: 'NL',
    weight: 6,
    currency: 'EUR',
    dialCode: '+31',
    names: 'nl',
    cities: [
      city('Amsterdam', 'Noord-Holland', '10## @@', '20'),
      city('Rotterdam', 'Zuid-Holland', '30## @@', '10'),
      city('Utrecht', 'Utrecht', '35## @@', '30'),
      city('Den Haag', 'Zuid-Holland', '25## @@', '70'),
    ],
  },
  {
    code: 'PL',
    weight: 5,
    currency: 'PLN',
    dialCode: '+48',
    names: 'pl',
    cities: [
      city('Warszawa', 'Mazowieckie', '00-###', '22'),
      city('Kraków', 'Małopolskie', '30-###', '12'),
      city('Wrocław', 'Dolnośląskie', '50-###', '71'),
      city('Gdańsk', 'Pomorskie', '80-###', '58'),
    ],
  },
  {
    code: 'SE',
    weight: 3,
    currency: 'SEK',
    dialCode: '+46',
    names: 'nordic',
    cities: [
      city('Stockholm', 'Stockholms län', '11# ##', '8'),
      city('Göteborg', 'Västra Götalands län', '41# ##', '31'),
      city('Malmö', 'Skåne län', '21# ##', '40'),
    ],
  },
  {
    code: 'AT',
    weight: 3,
    currency: 'EUR',
    dialCode: '+43',
    names: 'de',
    cities: [
      city('Wien', 'Wien', '1###', '1'),
      city('Graz', 'Steiermark', '80##', '316'),
      city('Linz', 'Oberösterreich', '40##', '732'),
    ],
  },
  {
    code: 'BE',
    weight: 3,
    currency: 'EUR',
    dialCode: '+32',
    names: 'fr',
    cities: [
      city('Bruxelles', 'Bruxelles-Capitale', '10##', '2'),
      city('Antwerpen', 'Antwerpen', '20##', '3'),
      city('Gent', 'Oost-Vlaanderen', '90##', '9'),
    ],
  },
  {
    code: 'CH',
    weight: 3,
    currency: 'CHF',
    dialCode: '+41',
    names: 'de',
    cities: [
      city('Zürich', 'ZH', '80##', '44'),
      city('Genève', 'GE', '12##', '22'),
      city('Basel', 'BS', '40##', '61'),
      city('Bern', 'BE', '30##', '31'),
    ],
  },
  {
    code: 'DK',
    weight: 2,
    currency: 'DKK',
    dialCode: '+45',
    names: 'nordic',
    cities: [city('København', 'Hovedstaden', '1###', '33'), city('Aarhus', 'Midtjylland', '8###', '86')],
  },
  {
    code: 'IE',
    weight: 2,
    currency: 'EUR',
    dialCode: '+353',
    names: 'en',
    cities: [
      city('Dublin', 'Leinster', 'D0# @###', '1'),
      city('Cork', 'Munster', 'T12 @###', '21'),
      city('Galway', 'Connacht', 'H91 @###', '91'),
    ],
  },
  {
    code: 'PT',
    weight: 3,
    currency: 'EUR',
    dialCode: '+351',
    names: 'pt',
    cities: [city('Lisboa', 'Lisboa', '1###-###', '21'), city('Porto', 'Porto', '4###-###', '22')],
  },
];

export interface NameList {
  readonly first: readonly string[];
  readonly last: readonly string[];
  /** Street names and how a house number attaches (`{n}` is replaced). */
  readonly streets: readonly string[];
}

export const NAMES: Readonly<Record<NameGroup, NameList>> = {
  de: {
    first: ['Anna', 'Lukas', 'Sophie', 'Leon', 'Marie', 'Jonas', 'Lena', 'Felix', 'Laura', 'Paul', 'Hannah'],
    last: [
      'Müller',
      'Schmidt',
      'Schneider',
      'Fischer',
      'Weber',
      'Meyer',
      'Wagner',
      'Becker',
      'Schulz',
      'Groß',
    ],
    streets: [
      'Hauptstraße {n}',
      'Bahnhofstraße {n}',
      'Gartenweg {n}',
      'Lindenallee {n}',
      'Schillerstraße {n}',
    ],
  },
  fr: {
    first: ['Camille', 'Louis', 'Léa', 'Hugo', 'Chloé', 'Jules', 'Manon', 'Lucas', 'Inès', 'Gabriel'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Lefèvre'],
    streets: [
      '{n} Rue de la Paix',
      '{n} Avenue Victor Hugo',
      '{n} Boulevard Saint-Michel',
      '{n} Rue du Commerce',
    ],
  },
  en: {
    first: ['Oliver', 'Olivia', 'James', 'Amelia', 'Harry', 'Isla', 'Jack', 'Emily', 'Noah', 'Aoife', 'Liam'],
    last: [
      'Smith',
      'Jones',
      'Williams',
      'Taylor',
      'Brown',
      'Davies',
      'Wilson',
      'Johnson',
      "O'Brien",
      'Murphy',
    ],
    streets: [
      '{n} High Street',
      '{n} Station Road',
      'Flat 2, {n} Church Lane',
      '{n} Park Avenue',
      '{n} Main Street',
    ],
  },
  es: {
    first: ['Lucía', 'Hugo', 'Martina', 'Mateo', 'Sofía', 'Pablo', 'María', 'Daniel', 'Carmen'],
    last: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez'],
    streets: ['Calle Mayor {n}', 'Avenida de la Constitución {n}', 'Calle de Alcalá {n}', 'Gran Vía {n}'],
  },
  it: {
    first: ['Giulia', 'Francesco', 'Sofia', 'Alessandro', 'Aurora', 'Lorenzo', 'Matteo', 'Chiara'],
    last: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'De Luca'],
    streets: ['Via Roma {n}', 'Corso Italia {n}', 'Via Garibaldi {n}', 'Piazza Dante {n}'],
  },
  nl: {
    first: ['Emma', 'Daan', 'Julia', 'Sem', 'Tess', 'Lucas', 'Mila', 'Finn'],
    last: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Visser', 'Smit'],
    streets: ['Kerkstraat {n}', 'Dorpsstraat {n}', 'Prinsengracht {n}', 'Molenweg {n}'],
  },
  pl: {
    first: ['Zofia', 'Jakub', 'Julia', 'Antoni', 'Maja', 'Jan', 'Łukasz', 'Katarzyna'],
    last: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski'],
    streets: ['ul. Marszałkowska {n}', 'ul. Długa {n}', 'ul. Polna {n}', 'ul. Lipowa {n}'],
  },
  nordic: {
    first: ['Alice', 'William', 'Maja', 'Oscar', 'Elsa', 'Freja', 'Emil', 'Ida'],
    last: ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Jensen', 'Nielsen', 'Hansen', 'Pedersen'],
    streets: ['Storgatan {n}', 'Drottninggatan {n}', 'Vesterbrogade {n}', 'Nørregade {n}'],
  },
  pt: {
    first: ['Maria', 'João', 'Beatriz', 'Francisco', 'Leonor', 'Santiago', 'Ana'],
    last: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues'],
    streets: ['Rua Augusta {n}', 'Avenida da Liberdade {n}', 'Rua das Flores {n}'],
  },
};

/** Email domains with weights; all reserved example domains. */
export const EMAIL_DOMAINS: readonly string[] = [
  'example.com',
  'example.com',
  'example.com',
  'example.com',
  'example.com',
  'example.net',
  'example.net',
  'example.org',
  'mail.example.com',
  'post.example.net',
];

const FOLD: Readonly<Record<string, string>> = { ß: 'ss', ł: 'l', Ł: 'l', ø: 'o', æ: 'ae', å: 'a' };

/** ASCII local-part form of a name: lower case, accents folded, no spaces or apostrophes. */
export function emailPart(name: string): string {
  return name
    .replace(/[ßłŁøæå]/g, (ch) => FOLD[ch] ?? ch)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export interface Category {
  readonly name: string;
  readonly weight: number;
  readonly items: readonly string[];
  readonly brands: readonly string[];
  /** Typical unit price range in whole currency units. */
  readonly minPrice: number;
  readonly maxPrice: number;
}

export const CATEGORIES: readonly Category[] = [
  {
    name: 'Electronics',
    weight: 14,
    items: [
      'Headphones',
      'Bluetooth Speaker',
      'USB-C Charger',
      'Smartwatch',
      'Webcam',
      'Power Bank',
      'Monitor 27"',
    ],
    brands: ['Voltix', 'Nordbeam', 'Auralis', 'Pixelon'],
    minPrice: 9,
    maxPrice: 399,
  },
  {
    name: 'Home & Kitchen',
    weight: 14,
    items: [
      'Coffee Grinder',
      "Chef's Knife",
      'Cast Iron Pan',
      'Teapot',
      'Salad Bowl',
      'Bed Linen Set',
      'Desk Lamp',
    ],
    brands: ['Hearthwell', 'Casa Lumo', 'Kitchora'],
    minPrice: 6,
    maxPrice: 180,
  },
  {
    name: 'Books',
    weight: 10,
    items: ['Cookbook', 'Travel Guide', 'Crime Novel', "Children's Book", 'Notebook A5'],
    brands: ['Paperlane Press', 'Inkwell'],
    minPrice: 4,
    maxPrice: 45,
  },
  {
    name: 'Clothing',
    weight: 14,
    items: ['T-Shirt', 'Hoodie', 'Rain Jacket', 'Jeans', 'Wool Socks', 'Sneakers'],
    brands: ['Urban Thread', 'Fjellwear', 'Maritime Co.'],
    minPrice: 8,
    maxPrice: 160,
  },
  {
    name: 'Sports & Outdoors',
    weight: 10,
    items: ['Yoga Mat', 'Water Bottle', 'Running Shoes', 'Tent, 2-Person', 'Cycling Helmet', 'Dumbbell Set'],
    brands: ['Peakform', 'Trailhead'],
    minPrice: 7,
    maxPrice: 250,
  },
  {
    name: 'Beauty',
    weight: 8,
    items: ['Face Cream', 'Shampoo', 'Lip Balm', 'Perfume 50ml', 'Sunscreen SPF 50'],
    brands: ['Lumière', 'Botanica'],
    minPrice: 3,
    maxPrice: 90,
  },
  {
    name: 'Toys',
    weight: 8,
    items: ['Building Blocks', 'Puzzle 1000 Pieces', 'Plush Bear', 'Board Game'],
    brands: ['Playnest', 'Brightbox'],
    minPrice: 5,
    maxPrice: 120,
  },
  {
    name: 'Garden',
    weight: 6,
    items: ['Garden Hose', 'Pruning Shears', 'Plant Pot', 'Seed Kit'],
    brands: ['Greenroot'],
    minPrice: 4,
    maxPrice: 110,
  },
  {
    name: 'Grocery',
    weight: 8,
    items: ['Espresso Beans 1kg', 'Green Tea', 'Olive Oil', 'Dark Chocolate'],
    brands: ['Origo', 'Fieldhouse'],
    minPrice: 2,
    maxPrice: 35,
  },
  {
    name: 'Office',
    weight: 8,
    items: ['Ballpoint Pens', 'Desk Organizer', 'Stapler', 'Office Chair'],
    brands: ['Deskwise'],
    minPrice: 2,
    maxPrice: 300,
  },
];

export const PRODUCT_STYLES: readonly string[] = [
  'Classic',
  'Pro',
  'Lite',
  'Eco',
  'Premium',
  'Compact',
  'Essential',
];
export const PRODUCT_COLOURS: readonly string[] = ['Black', 'White', 'Navy', 'Red', 'Green', 'Grey'];

export const ORDER_STATUSES = ['placed', 'shipped', 'delivered', 'cancelled', 'returned'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Same order as ORDER_STATUSES: 5% placed, 10% shipped, 70% delivered, 8% cancelled, 7% returned. */
export const ORDER_STATUS_WEIGHTS: readonly number[] = [5, 10, 70, 8, 7];

export const ORDER_CHANNELS: readonly string[] = ['web', 'app', 'marketplace', 'store'];
export const ORDER_CHANNEL_WEIGHTS: readonly number[] = [50, 30, 10, 10];

export const EVENT_DEVICES: readonly string[] = ['web', 'ios', 'android'];
export const EVENT_DEVICE_WEIGHTS: readonly number[] = [55, 25, 20];

export const EVENT_TYPES = [
  'page_view',
  'product_view',
  'add_to_cart',
  'checkout',
  'search',
  'login',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
