from services.liaison.service import definition
from shared.service import main

main(definition())
